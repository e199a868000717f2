package io.sendchain.spi;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;

/**
 * Chain helpers that have no state of their own. The others live with their state: {@link IoVec#fill}
 * (nginx's {@code ngx_output_chain_to_iovec}), {@link FileRun#coalesce} ({@code ngx_chain_coalesce_file}) and
 * {@link io.sendchain.buf.FreeBusy#update} ({@code ngx_chain_update_chains}).
 */
public final class Chains {

    private Chains() {
    }

    /**
     * Consumes {@code sent} bytes from the head of {@code in}: nginx's {@code ngx_chain_update_sent}. Fully
     * sent bufs are emptied (both windows), a partly sent one is advanced, special bufs are stepped over.
     *
     * @return the first link that still holds data, or a special buf right after the last sent byte, or
     *         {@code null} when the whole chain was sent
     * @throws IllegalArgumentException if {@code sent < 0}
     */
    public static Chain updateSent(Chain in, long sent) {
        if (sent < 0) {
            throw new IllegalArgumentException("sent < 0: " + sent);
        }
        for (; in != null; in = in.next()) {
            Buf b = in.buf();
            if (b.special()) {
                continue;
            }
            if (sent == 0) {
                break;
            }
            long size = b.size();
            if (sent >= size) {
                sent -= size;
                if (b.inMemory()) {
                    b.pos(b.last());
                }
                if (b.inFile()) {
                    b.filePos(b.fileLast());
                }
                continue;
            }
            if (b.inMemory()) {
                b.pos(b.pos() + sent);
            }
            if (b.inFile()) {
                b.filePos(b.filePos() + sent);
            }
            break;
        }
        return in;
    }
}
