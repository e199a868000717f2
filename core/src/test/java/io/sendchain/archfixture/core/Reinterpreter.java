package io.sendchain.archfixture.core;

import java.lang.foreign.MemorySegment;

/** Planted violation: widening a native segment (a restricted method) in core. */
public class Reinterpreter {
    public MemorySegment widen(MemorySegment s) {
        return s.reinterpret(1024);
    }
}
