package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.output.Status;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipe's input filter for a chunked upstream response, nginx's {@code ngx_http_proxy_chunked_filter}: each run
 * of chunk data becomes a shadow buf (no copy); framing is stepped over; the last chunk ends the response, and
 * anything after it is dropped with a warning. The pipe's length is kept at the decoder's hint so a partly filled
 * raw buf that may end the message is processed without waiting for it to fill.
 */
final class ChunkedInputFilter implements InputFilter {

    private static final Logger log = LoggerFactory.getLogger(ChunkedInputFilter.class);

    private final ChunkedDecoder decoder = new ChunkedDecoder("upstream sent invalid chunked response");

    /** Starts a new response: the same filter can serve one pipe after another. */
    @Override
    public void reset() {
        decoder.reset();
    }

    @Override
    public void process(PipeInput p, Buf raw) throws IOException {
        if (p.upstreamDone()) {
            if (raw.pos() < raw.last()) {
                log.warn("upstream sent data after final chunk");
            }
            return;
        }
        for (;;) {
            Status rc = decoder.parse(raw);
            if (rc == Status.OK) {
                p.shadow(raw, decoder.dataStart(), decoder.dataEnd());
                continue;
            }
            if (rc == Status.DONE) {
                p.markUpstreamDone();
                p.length(0);
                if (raw.pos() < raw.last()) {
                    log.warn("upstream sent data after final chunk");
                    raw.pos(raw.last());
                }
                return;
            }
            p.length(decoder.lengthHint());
            return;
        }
    }
}
