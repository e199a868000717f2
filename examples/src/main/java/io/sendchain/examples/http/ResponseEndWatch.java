package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import io.sendchain.pipe.InputFilter;
import io.sendchain.pipe.PipeInput;
import java.io.IOException;

/**
 * Watches a pipe's input filter for upstream bytes past the end of the response (data beyond
 * {@code Content-Length}, or after the last chunk), which the filter drops with a warning: an upstream connection
 * that sent them is out of step and is not kept alive (nginx's proxy clears {@code u->keepalive} then). It stands
 * between the pipe and the filter, passing every call on; one per session, reused response after response.
 */
final class ResponseEndWatch implements InputFilter, PipeInput {

    private InputFilter filter;
    /** The pipe's side, during a {@link #process} call only. */
    private PipeInput pipe;
    private Buf raw;
    private boolean extra;

    /** Watches {@code f} for the next response. */
    ResponseEndWatch watch(InputFilter f) {
        filter = f;
        extra = false;
        return this;
    }

    /** Whether the upstream sent bytes past the end of this response. */
    boolean extra() {
        return extra;
    }

    @Override
    public void process(PipeInput p, Buf b) throws IOException {
        if (p.upstreamDone() && b.pos() < b.last()) {
            extra = true;
        }
        pipe = p;
        raw = b;
        try {
            filter.process(this, b);
        } finally {
            pipe = null;
            raw = null;
        }
    }

    @Override
    public void reset() {
        filter.reset();
        extra = false;
    }

    @Override
    public Buf shadow(Buf b, long pos, long last) {
        return pipe.shadow(b, pos, last);
    }

    @Override
    public long length() {
        return pipe.length();
    }

    @Override
    public void length(long length) {
        pipe.length(length);
    }

    @Override
    public boolean upstreamDone() {
        return pipe.upstreamDone();
    }

    @Override
    public void markUpstreamDone() {
        // the filter saw the end: the copy filter only when data went past the length, the chunked one after the
        // last chunk, where raw's pos now stands; either way what lies past it is not this response's
        if (filter == InputFilter.copy() || raw.pos() < raw.last()) {
            extra = true;
        }
        pipe.markUpstreamDone();
    }
}
