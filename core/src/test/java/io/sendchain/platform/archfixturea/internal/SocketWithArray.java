package io.sendchain.platform.archfixturea.internal;

import java.nio.ByteBuffer;

/** Planted violation: a stream socket (through its superclass) carrying an array of views. */
public abstract class SocketWithArray extends LeanSocket {
    private final ByteBuffer[] views = new ByteBuffer[64];

    protected SocketWithArray(int fd) {
        super(fd);
    }

    protected ByteBuffer[] views() {
        return views;
    }
}
