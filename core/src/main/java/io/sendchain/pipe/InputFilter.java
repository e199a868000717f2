package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import java.io.IOException;

/**
 * Turns a raw buf of upstream bytes into shadow bufs of response data, framing stepped over: nginx's
 * {@code p->input_filter}. {@link CopyInputFilter} serves a body of known or unknown length, {@link ChunkedInputFilter}
 * a chunked one.
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
}
