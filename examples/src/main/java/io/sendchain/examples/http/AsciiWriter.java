package io.sendchain.examples.http;

import io.sendchain.buf.Buf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Writes ASCII text and decimal numbers at a buf's {@code last}, without allocating. */
final class AsciiWriter {

    private Buf buf;
    private MemorySegment seg;
    private long at;
    private long end;
    private boolean overflow;

    AsciiWriter start(Buf b) {
        this.buf = b;
        this.seg = b.segment();
        this.at = b.last();
        this.end = b.end();
        this.overflow = false;
        return this;
    }

    AsciiWriter put(String s) {
        int n = s.length();
        if (at + n > end) {
            overflow = true;
            return this;
        }
        for (int i = 0; i < n; i++) {
            seg.set(ValueLayout.JAVA_BYTE, at + i, (byte) s.charAt(i));
        }
        at += n;
        return this;
    }

    AsciiWriter put(long v) {
        if (v < 0) {
            put("-");
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        if (at + digits > end) {
            overflow = true;
            return this;
        }
        for (int i = digits - 1; i >= 0; i--) {
            seg.set(ValueLayout.JAVA_BYTE, at + i, (byte) ('0' + v % 10));
            v /= 10;
        }
        at += digits;
        return this;
    }

    /** Copies {@code bytes} (preformatted head lines). */
    AsciiWriter put(byte[] bytes) {
        int n = bytes.length;
        if (at + n > end) {
            overflow = true;
            return this;
        }
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, at, n);
        at += n;
        return this;
    }

    /** Bytes still free after what was written. */
    long room() {
        return overflow ? 0 : end - at;
    }

    /** Copies bytes {@code [from, to)} of {@code src}. */
    AsciiWriter put(MemorySegment src, long from, long to) {
        long n = to - from;
        if (at + n > end) {
            overflow = true;
            return this;
        }
        MemorySegment.copy(src, from, seg, at, n);
        at += n;
        return this;
    }

    /** Writes {@code v} in lower-case hexadecimal (a chunk size). */
    AsciiWriter hex(long v) {
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(v)) / 4);
        if (at + digits > end) {
            overflow = true;
            return this;
        }
        for (int i = digits - 1; i >= 0; i--) {
            seg.set(ValueLayout.JAVA_BYTE, at + i, (byte) Character.forDigit((int) (v & 0xf), 16));
            v >>>= 4;
        }
        at += digits;
        return this;
    }

    AsciiWriter crlf() {
        return put("\r\n");
    }

    AsciiWriter header(String name, String value) {
        return put(name).put(": ").put(value).crlf();
    }

    AsciiWriter header(String name, long value) {
        return put(name).put(": ").put(value).crlf();
    }

    /** Ends writing; {@code false} if the text did not fit (the buf is left unchanged then). */
    boolean finish() {
        if (overflow) {
            return false;
        }
        buf.last(at);
        return true;
    }
}
