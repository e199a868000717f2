package io.sendchain.platform.archfixturea.internal;

import io.sendchain.event.StreamSocket;

/** A stream socket holding only small state; a static table is the class's, not each socket's: compliant. */
public abstract class LeanSocket implements StreamSocket {
    private static final int[] OPTIONS = {1, 2, 3};
    private final int fd;
    private boolean closed;

    protected LeanSocket(int fd) {
        this.fd = fd;
    }

    protected int option(int i) {
        return closed ? -1 : OPTIONS[i] + fd;
    }

    protected void closed(boolean closed) {
        this.closed = closed;
    }
}
