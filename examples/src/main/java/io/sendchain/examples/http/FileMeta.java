package io.sendchain.examples.http;

import io.sendchain.spi.FileStat;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a response head says about one version of a file, formatted once: its size and modification time, the
 * validators (ETag and Last-Modified, as strings to compare with the request's and as head lines) and the
 * Content-Type line. The open file cache keeps one per entry until the file changes, so a hit formats nothing.
 *
 * @param size          the file's size
 * @param mtime         its modification time, in seconds since the epoch
 * @param etag          nginx's entity tag: {@code "mtime-size"} in hexadecimal, quoted
 * @param lastModified  the modification time as an HTTP date
 * @param contentType   {@code Content-Type: ...\r\n}
 * @param validators    {@code Last-Modified: ...\r\nETag: ...\r\n}
 */
record FileMeta(long size, long mtime, String etag, String lastModified, byte[] contentType, byte[] validators) {

    /** A file's modification time as the validators use it: whole seconds since the epoch. */
    static long mtime(BasicFileAttributes attrs) {
        if (attrs instanceof FileStat st) {
            return (st.mtimeSeconds() * 1000 + st.mtimeNanos() / 1_000_000) / 1000; // as below, without a FileTime
        }
        return attrs.lastModifiedTime().toMillis() / 1000;
    }

    /** The head bytes of the file {@code found} names (status 0). */
    static FileMeta of(FileLookup.Found found) {
        BasicFileAttributes attrs = found.attrs();
        long size = attrs.size();
        long mtime = mtime(attrs);
        String etag = "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(size) + "\"";
        String lastModified = HttpDate.format(mtime);
        String type = Mime.of(found.file().getFileName().toString());
        return new FileMeta(size, mtime, etag, lastModified, Heads.bytes("Content-Type: " + type + "\r\n"),
                Heads.bytes("Last-Modified: " + lastModified + "\r\nETag: " + etag + "\r\n"));
    }
}
