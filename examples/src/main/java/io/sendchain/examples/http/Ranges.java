package io.sendchain.examples.http;

/** Single byte ranges (RFC 9110 14.1.2); several ranges or a malformed header are ignored: the whole file is sent. */
final class Ranges {

    /** The range starts at or after the end of the file: 416. */
    static final long[] UNSATISFIABLE = new long[0];

    private Ranges() {
    }

    /**
     * @return {@code {from, toExclusive}}, {@link #UNSATISFIABLE}, or {@code null} to ignore the header
     */
    static long[] single(String header, long size) {
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null; // multipart/byteranges is not offered
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = parse(b);
                if (suffix == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, size - suffix), size};
            }
            long from = parse(a);
            if (from >= size) {
                return UNSATISFIABLE;
            }
            if (b.isEmpty()) {
                return new long[] {from, size};
            }
            long last = parse(b);
            if (last < from) {
                return null;
            }
            return new long[] {from, Math.min(last + 1, size)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long parse(String digits) {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
            throw new NumberFormatException(digits);
        }
        return Long.parseLong(digits);
    }
}
