package io.sendchain.spi;

import java.io.IOException;
import java.util.Objects;

/**
 * A socket call failed with an errno the platform names: the call, the raw number (as the OS numbers it; {@code 0}
 * when the platform cannot see it, as the generic platform cannot behind the JDK) and its portable
 * {@link Errno} class, so that policies such as the {@code io.sendchain.loop.Acceptor}'s can react to the error
 * without parsing text. The message reads as the other failures do: {@code "accept4() failed: Too many open files"}.
 */
public final class ErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The system call, without parentheses ({@code "accept4"}). */
    private final String call;
    /** The OS's errno number, or {@code 0} if unknown. */
    private final int errno;
    /** What kind of failure it is. */
    private final Errno kind;

    /**
     * A failed call, with the message {@code call + "() failed: " + reason}.
     *
     * @param call   the system call, without parentheses
     * @param errno  the OS's number for the error, {@code 0} if unknown
     * @param kind   its portable class
     * @param reason the OS's text for it ({@code strerror})
     */
    public ErrnoException(String call, int errno, Errno kind, String reason) {
        this(call, errno, kind, reason, null);
    }

    /** As {@link #ErrnoException(String, int, Errno, String)}, with the exception that reported it first. */
    public ErrnoException(String call, int errno, Errno kind, String reason, Throwable cause) {
        super(Objects.requireNonNull(call, "call") + "() failed: " + reason, cause);
        if (errno < 0) {
            throw new IllegalArgumentException("errno < 0: " + errno);
        }
        this.call = call;
        this.errno = errno;
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The system call that failed, without parentheses. */
    public String call() {
        return call;
    }

    /** The OS's errno number, or {@code 0} if the platform cannot see it. */
    public int errno() {
        return errno;
    }

    /** The portable class of the error. */
    public Errno kind() {
        return kind;
    }
}
