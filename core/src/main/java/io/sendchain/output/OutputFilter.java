package io.sendchain.output;

import io.sendchain.buf.Chain;
import java.io.IOException;

/**
 * A body filter: takes a chain, passes it (or what it made of it) to the next filter, and reports back.
 * nginx's {@code ngx_output_chain_filter_pt} / {@code ngx_http_output_body_filter_pt}.
 *
 * <p>A compression or charset filter sits between {@link OutputChainContext} and {@link ChainWriter}:
 * the output chain calls it with bufs it may read ({@code needInMemory}) or change ({@code needInTemp}); it
 * calls the writer with its own output bufs, which it tags and recycles through a
 * {@link io.sendchain.buf.FreeBusy} the way the output chain does.
 *
 * <p>Contract: {@code in == null} means "nothing new, push what is queued". The filter must not keep links
 * of {@code in} after returning (they belong to the caller), but may keep the bufs until they are sent.
 */
@FunctionalInterface
public interface OutputFilter {

    Status filter(Chain in) throws IOException;
}
