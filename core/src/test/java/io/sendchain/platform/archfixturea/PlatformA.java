package io.sendchain.platform.archfixturea;

import io.sendchain.buf.Buf;

/** A platform fixture using core's exported API only: compliant. */
public class PlatformA {
    public Buf buf() {
        return new Buf();
    }
}
