package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipe's input filter for a body of known or unknown length: nginx's {@code ngx_event_pipe_copy_input_filter}
 * with the proxy's Content-Length rule ({@code ngx_http_proxy_copy_filter}): the whole raw buf becomes one shadow
 * buf; data past the length is dropped with a warning, and ends the response.
 */
final class CopyInputFilter implements InputFilter {

    private static final Logger log = LoggerFactory.getLogger(CopyInputFilter.class);

    /** The filter keeps no state: one serves every pipe. */
    static final CopyInputFilter INSTANCE = new CopyInputFilter();

    private CopyInputFilter() {
    }

    @Override
    public void process(PipeInput p, Buf raw) {
        if (raw.pos() == raw.last()) {
            return;
        }
        if (p.upstreamDone()) {
            log.debug("input data after the end of the response");
            return;
        }
        if (p.length() == 0) {
            p.markUpstreamDone();
            log.warn("upstream sent more data than specified in \"Content-Length\" header");
            return;
        }
        Buf b = p.shadow(raw, raw.pos(), raw.last());
        long length = p.length();
        if (length == -1) {
            return;
        }
        if (b.last() - b.pos() > length) {
            log.warn("upstream sent more data than specified in \"Content-Length\" header");
            b.last(b.pos() + length);
            p.length(0);
            p.markUpstreamDone();
            return;
        }
        p.length(length - (b.last() - b.pos()));
    }
}
