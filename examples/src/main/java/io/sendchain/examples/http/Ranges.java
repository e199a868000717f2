package io.sendchain.examples.http;

/** Single byte ranges (RFC 9110 14.1.2); several ranges or a malformed header are ignored: the whole file is sent. */
final class Ranges {

    /** The range starts at or after the end of the file: 416. */
    static final long[] UNSATISFIABLE = new long[0];

    /** {@link #parse}: the header does not apply (malformed, several ranges): send the whole file. */
    static final int IGNORE = 0;
    /** {@link #parse}: one satisfiable range, in {@code out}. */
    static final int RANGE = 1;
    /** {@link #parse}: the range starts at or after the end of the file: 416. */
    static final int NOT_SATISFIABLE = 2;

    private Ranges() {
    }

    /**
     * @return {@code {from, toExclusive}}, {@link #UNSATISFIABLE}, or {@code null} to ignore the header
     */
    static long[] single(String header, long size) {
        long[] out = new long[2];
        return switch (parse(header, size, out)) {
            case RANGE -> out;
            case NOT_SATISFIABLE -> UNSATISFIABLE;
            default -> null;
        };
    }

    /**
     * Reads {@code header} against a file of {@code size} bytes without allocating: the range goes to
     * {@code out[0]} (from) and {@code out[1]} (to, exclusive).
     *
     * @return {@link #IGNORE}, {@link #RANGE} or {@link #NOT_SATISFIABLE}
     */
    static int parse(String header, long size, long[] out) {
        int p = skip(header, 0, header.length());
        int e = trimEnd(header, p, header.length());
        if (e - p < 6 || !header.regionMatches(true, p, "bytes=", 0, 6)) {
            return IGNORE;
        }
        p = skip(header, p + 6, e);
        if (header.indexOf(',', p) >= 0 && header.indexOf(',', p) < e) {
            return IGNORE; // multipart/byteranges is not offered
        }
        int dash = header.indexOf('-', p);
        if (dash < 0 || dash >= e) {
            return IGNORE;
        }
        int aEnd = trimEnd(header, p, dash);
        int b = skip(header, dash + 1, e);
        long first = number(header, p, aEnd);
        long last = number(header, b, e);
        if (p == aEnd) {
            if (b == e || last < 0) {
                return IGNORE;
            }
            if (last == 0) {
                return NOT_SATISFIABLE;
            }
            out[0] = Math.max(0, size - last);
            out[1] = size;
            return RANGE;
        }
        if (first < 0) {
            return IGNORE;
        }
        if (first >= size) {
            return NOT_SATISFIABLE;
        }
        if (b == e) {
            out[0] = first;
            out[1] = size;
            return RANGE;
        }
        if (last < 0 || last < first) {
            return IGNORE;
        }
        out[0] = first;
        out[1] = Math.min(last + 1, size);
        return RANGE;
    }

    /** 1 to 18 decimal digits, or -1. */
    private static long number(String s, int from, int to) {
        if (to <= from || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + c - '0';
        }
        return n;
    }

    private static int skip(String s, int from, int to) {
        while (from < to && s.charAt(from) <= ' ') {
            from++;
        }
        return from;
    }

    private static int trimEnd(String s, int from, int to) {
        while (to > from && s.charAt(to - 1) <= ' ') {
            to--;
        }
        return to;
    }
}
