package io.sendchain.buf;

/**
 * An event loop's {@link SlabAllocator} cannot take more memory: its bound is reached (or the JVM has no direct
 * memory left). The request that needed the memory fails; memory already handed out is not affected. A server
 * closes the connection that asked, with the message as the logged reason.
 */
public final class MemoryLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    MemoryLimitException(String message) {
        super(message);
    }

    MemoryLimitException(String message, Throwable cause) {
        super(message, cause);
    }
}
