package io.sendchain.archfixture.core;

import java.lang.foreign.Linker;

/** Planted violation: a native downcall in core. */
public class DownCaller {
    public Object linker() {
        return Linker.nativeLinker();
    }
}
