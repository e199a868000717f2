package io.sendchain.output;

import io.sendchain.buf.FileRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional file reads into native memory (nginx's {@code ngx_read_file}). */
final class FileReads {

    private FileReads() {
    }

    /**
     * Reads up to {@code size} bytes of {@code file} (through {@code ch}) at {@code position} into
     * {@code view} from {@code offset}, looping over short reads until {@code size} bytes or end of file.
     * {@code view}'s position and limit are overwritten.
     *
     * @return bytes read
     * @throws IOException naming the file and the offset if the read fails
     */
    static long readFully(FileRef file, FileChannel ch, ByteBuffer view, long offset, long position, long size)
            throws IOException {
        long done = 0;
        while (done < size) {
            long chunk = Math.min(size - done, Integer.MAX_VALUE - 8);
            view.limit((int) (offset + done + chunk)).position((int) (offset + done));
            int n;
            try {
                n = ch.read(view, position + done);
            } catch (IOException e) {
                throw new IOException("pread() \"" + file + "\" at " + (position + done) + " failed: "
                        + e.getMessage(), e);
            }
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }
}
