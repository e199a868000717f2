package io.sendchain.platform.freebsd.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * FreeBSD structure layouts for 64-bit ABIs, as in the system headers, where they differ from the ones the BSDs
 * share ({@code PosixLayouts}: iovec, sf_hdtr, sockaddr_in with sin_len). Only layouts: nothing here links to a
 * native function, so tests can check sizes and offsets on any OS.
 */
public final class FreeBsdLayouts {

    private FreeBsdLayouts() {
    }

    /**
     * {@code struct kevent} of FreeBSD 12 and later: {@code uintptr_t ident; short filter; u_short flags;
     * u_int fflags; int64_t data; void *udata; uint64_t ext[4];} (64 bytes).
     */
    public static final StructLayout KEVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ident"),
            ValueLayout.JAVA_SHORT.withName("filter"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("fflags"),
            ValueLayout.JAVA_LONG.withName("data"),
            ValueLayout.JAVA_LONG.withName("udata"),
            MemoryLayout.sequenceLayout(4, ValueLayout.JAVA_LONG).withName("ext"));
}
