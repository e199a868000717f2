package io.sendchain.pipe;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.internal.BufAccess;
import io.sendchain.internal.jfr.Flight;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event pipe's temporary file (nginx's {@code p->temp_file}): how much of its input may go there, writing it
 * ({@code ngx_write_chain_to_temp_file}), the temp-file bufs that send it back, and closing it with the response.
 */
final class TempFileSpill {

    private static final Logger log = LoggerFactory.getLogger(TempFileSpill.class);
    /** What a temp-file buf starts from (only read). */
    private static final Buf BLANK = new Buf();

    private final long maxSize;
    private final long writeSize;
    /** Makes the file; {@code null}: the pipe never spills. */
    private TempFiles factory;
    /** The open (already unlinked) file; {@code null} until the first spill. */
    private TempFiles.TempFile file;
    /** End of what was written, where the next write goes (nginx's {@code p->temp_file->offset}). */
    private long offset;

    TempFileSpill(PipeSettings s) {
        this.maxSize = s.maxTempFileSize();
        this.writeSize = s.tempFileWriteSize();
    }

    void factory(TempFiles factory) {
        this.factory = factory;
    }

    /** The pipe may spill: nginx's {@code p->temp_file->offset < p->max_temp_file_size}. */
    boolean canSpill() {
        return factory != null && offset < maxSize;
    }

    /** Whether the file was made. */
    boolean made() {
        return file != null;
    }

    long offset() {
        return offset;
    }

    /**
     * The last link of what to write from {@code in}: whole raw bufs' worth of shadows (a raw buf is freed only with
     * all its shadows), at most {@code temp_file_write_size} bytes and up to {@code max_temp_file_size}; {@code null}
     * when not even one raw buf's worth fits.
     */
    Chain lastToWrite(Chain in) {
        long size = 0;
        Chain last = null;
        boolean prevLastShadow = true;
        for (Chain cl = in; cl != null; cl = cl.next()) {
            long bsize = cl.buf().last() - cl.buf().pos();
            if (prevLastShadow && (size + bsize > writeSize || offset + size + bsize > maxSize)) {
                break;
            }
            prevLastShadow = BufAccess.lastShadow(cl.buf());
            size += bsize;
            last = cl;
        }
        return last;
    }

    /**
     * Writes the memory of {@code chain}'s bufs at the offset without moving it, making the file first if need be;
     * returns the bytes written.
     */
    long write(Chain chain) throws IOException {
        Object recorded = Flight.beginTempFileWrite();
        boolean created = false;
        if (file == null) {
            if (factory == null) {
                throw new IOException("the pipe has no temp file directory to spill to");
            }
            file = factory.create();
            created = true;
        }
        long written = 0;
        for (Chain cl = chain; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            if (b.last() <= b.pos()) {
                continue;
            }
            ByteBuffer v = viewOf(b);
            v.clear().position((int) b.pos()).limit((int) b.last());
            while (v.hasRemaining()) {
                int w = file.writer().write(v, offset + written);
                if (w <= 0) {
                    throw new IOException("pwrite() to the temp file wrote nothing");
                }
                written += w;
            }
        }
        Flight.endTempFileWrite(recorded, created, written, offset);
        return written;
    }

    /**
     * The view to write {@code b}'s bytes from: the one cached on its raw buf, found at the end of its shadow links (a
     * shadow header is refilled from its raw buf for every read, which drops any view of its own, so its own view
     * would be made anew for every buffer spilled); {@code b}'s own when it is not a shadow.
     */
    private static ByteBuffer viewOf(Buf b) {
        Buf t = b;
        while (t != null && !BufAccess.lastShadow(t)) {
            t = BufAccess.shadow(t);
        }
        Buf raw = t == null ? null : BufAccess.shadow(t);
        return raw != null && raw.segment() == b.segment() ? raw.nioView() : b.nioView();
    }

    /**
     * The {@code n} bytes just written join {@code tail}, the last buf of the pipe's out chain, when it is the
     * temp-file buf that ends at the offset; returns {@code false} when they need a buf of their own.
     */
    boolean extend(Buf tail, long n) {
        if (tail == null || !BufAccess.tempFile(tail) || tail.fileLast() != offset) {
            return false;
        }
        offset += n;
        tail.fileLast(offset);
        return true;
    }

    /** Makes {@code b} the temp-file buf of the {@code n} bytes just written, tagged {@code tag}. */
    Buf fill(Buf b, long n, Buf.Tag tag) {
        b.copyFrom(BLANK);
        BufAccess.file(b, file.ref());
        b.tag(tag).filePos(offset);
        offset += n;
        b.fileLast(offset);
        BufAccess.inFile(b, true);
        BufAccess.tempFile(b, true);
        return b;
    }

    /** A temp-file buf of a cyclic temp file was sent: once it was the last, the file is written from its start. */
    void sent(Buf b) {
        if (b.fileLast() == offset) {
            offset = 0;
        }
    }

    /** A new response starts at offset 0 (its file is made on its first spill). */
    void reset() {
        close();
        offset = 0;
    }

    /** Closes the file, if made (it is already unlinked). */
    void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("closing the temp file failed: {}", e.getMessage());
            }
            file = null;
        }
    }
}
