package io.sendchain.platform.archfixturea.internal;

import io.sendchain.spi.IoVec;
import io.sendchain.event.StreamSocket;

/** Planted violation: a stream socket carrying a gather list for its whole life. */
public abstract class SocketWithIoVec implements StreamSocket {
    private final IoVec vec = new IoVec();

    protected IoVec vec() {
        return vec;
    }
}
