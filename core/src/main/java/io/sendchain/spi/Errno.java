package io.sendchain.spi;

/**
 * The errors of a socket call that policies in core tell apart, by their portable names: each platform maps its
 * own errno numbers (which differ between Linux, FreeBSD and macOS) or its runtime's messages onto these, and
 * anything else is {@link #OTHER}. Carried by {@link ErrnoException}.
 */
public enum Errno {
    /** The process is out of descriptors ({@code RLIMIT_NOFILE}). */
    EMFILE,
    /** The system is out of descriptors ({@code fs.file-max}, {@code kern.maxfiles}). */
    ENFILE,
    /** No socket buffer space. */
    ENOBUFS,
    /** No kernel memory. */
    ENOMEM,
    /** A pending connection was reset before it was accepted. */
    ECONNABORTED,
    /** A protocol error on a pending connection (Linux passes some of them on from accept). */
    EPROTO,
    /** Not permitted (Linux: a firewall rule refused the pending connection). */
    EPERM,
    /** Interrupted by a signal before anything happened. */
    EINTR,
    /** Anything else, or an error the platform cannot name. */
    OTHER
}
