package io.sendchain.platform.archfixturea.internal;

import java.lang.foreign.Linker;

/** FFM inside the internal package: compliant. */
public class NativeInside {
    public Object linker() {
        return Linker.nativeLinker();
    }
}
