package io.sendchain.pipe;

import io.sendchain.buf.Buf;

/**
 * What an {@link InputFilter} may do to its pipe, and nothing more: nginx's input filters append shadow bufs to
 * {@code p->in}, read and set {@code p->length} and set {@code p->upstream_done}.
 */
public interface PipeInput {

    /**
     * Adds a shadow buf over {@code raw}'s bytes {@code [pos, last)} to the pipe's input and returns it (the filter
     * may still shorten it). The shadows of one raw buf must be made in order.
     */
    Buf shadow(Buf raw, long pos, long last);

    /**
     * Bytes of response data still expected, {@code -1} when unknown (read to the end); for a chunked body, the
     * least the message still needs, which lets the pipe pass on a partly filled raw buf that may end it.
     */
    long length();

    /** Sets the bytes of response data still expected (as {@link #length()} reads them). */
    void length(long length);

    /** Whether the end of the response was seen. */
    boolean upstreamDone();

    /** The end of the response was seen: the pipe reads no more and passes everything on. */
    void markUpstreamDone();
}
