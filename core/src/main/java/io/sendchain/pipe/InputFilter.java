package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import java.io.IOException;

/**
 * Turns a raw buf of upstream bytes into shadow bufs of response data, framing stepped over: nginx's
 * {@code p->input_filter}. {@link #copy()} serves a body of known or unknown length, {@link #chunked()} a chunked
 * one; a filter of your own adds shadows through {@link PipeInput}.
 */
@FunctionalInterface
public interface InputFilter {

    /**
     * Processes {@code raw}'s bytes {@code [pos, last)}, adding shadow bufs of its data to the pipe's input through
     * {@code p}. The pipe keeps {@code raw} until the last of those shadows is sent (or frees it at once when there
     * is none).
     *
     * @throws IOException if the upstream's framing is malformed (the pipe aborts)
     */
    void process(PipeInput p, Buf raw) throws IOException;

    /**
     * Starts a new response: {@link EventPipe#input(InputFilter, long)} calls it, so one filter can serve one
     * response after another. Does nothing unless the filter keeps state.
     */
    default void reset() {
    }

    /**
     * The filter for a body of known or unknown length, nginx's {@code ngx_event_pipe_copy_input_filter} with the
     * proxy's Content-Length rule: the whole raw buf becomes one shadow buf; data past the length is dropped with a
     * warning and ends the response. It keeps no state: one serves every pipe.
     */
    static InputFilter copy() {
        return CopyInputFilter.INSTANCE;
    }

    /**
     * A new filter for a chunked body, nginx's {@code ngx_http_proxy_chunked_filter}: each run of chunk data becomes
     * a shadow buf (no copy), framing is stepped over, the last chunk ends the response and anything after it is
     * dropped with a warning; malformed framing fails the pipe's run with an {@link IOException}. It keeps the
     * decoder's state: one per pipe, reused response after response.
     */
    static InputFilter chunked() {
        return new ChunkedInputFilter();
    }
}
