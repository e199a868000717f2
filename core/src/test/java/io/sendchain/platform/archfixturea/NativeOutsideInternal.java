package io.sendchain.platform.archfixturea;

import java.lang.foreign.Linker;

/** Planted violation: FFM outside the internal package. */
public class NativeOutsideInternal {
    public Object linker() {
        return Linker.nativeLinker();
    }
}
