package io.sendchain.output;

/**
 * What a step of the output pipeline reports: nginx's {@code NGX_OK}, {@code NGX_AGAIN} and {@code NGX_DONE}.
 * nginx's {@code NGX_ERROR} is an {@link java.io.IOException} here, carrying the message nginx would log.
 */
public enum Status {
    /** Everything handed in was passed on (and, for a writer, sent). */
    OK,
    /** Something is still queued; call again when the socket is writable or the pending read completes. */
    AGAIN,
    /** The filter took over the data and will finish on its own (nginx's {@code NGX_DONE}). */
    DONE
}
