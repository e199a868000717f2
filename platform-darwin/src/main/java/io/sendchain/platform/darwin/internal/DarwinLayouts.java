package io.sendchain.platform.darwin.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * macOS structure layouts (64-bit), as in the system headers, where they differ from the ones the BSDs share
 * ({@code PosixLayouts}); only layouts, nothing linked.
 */
public final class DarwinLayouts {

    private DarwinLayouts() {
    }

    /** {@code struct kevent} of macOS: ident, filter, flags, fflags, data, udata (32 bytes). */
    public static final StructLayout KEVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ident"),
            ValueLayout.JAVA_SHORT.withName("filter"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("fflags"),
            ValueLayout.JAVA_LONG.withName("data"),
            ValueLayout.JAVA_LONG.withName("udata"));
}
