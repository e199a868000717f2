package io.sendchain.examples.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 syntax at the byte level, shared by the request parser and the upstream response parser: finding
 * line ends, trimming and checking field values, case-insensitive matches and decimal lengths, all without
 * allocating (only {@link #ascii} makes a string).
 *
 * <p>Every class test works on the unsigned value of a byte ({@code b & 0xff}): Java's {@code byte} is signed, so
 * obs-text (0x80-0xff, RFC 9110 5.5) would otherwise compare as negative, below every control character.
 */
final class HttpSyntax {

    /** RFC 9110 5.6.2 {@code tchar}: what a field name and a method are made of. */
    private static final boolean[] TCHAR = new boolean[256];
    /** What a Host value is made of: unreserved, percent, sub-delims, colon, brackets ({@link #validHost}). */
    private static final boolean[] HOST = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            HOST[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 0x20] = true;
            HOST[c] = true;
            HOST[c - 0x20] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~%!$&'()*+,;=:[]".toCharArray()) {
            HOST[c] = true;
        }
    }

    private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private HttpSyntax() {
    }

    /** Eight bytes read as one little-endian word: byte {@code i} of the text is bits {@code 8i..8i+7}. */
    private static long word(MemorySegment s, long at) {
        long x = s.get(ValueLayout.JAVA_LONG_UNALIGNED, at); // the native order: no swap on x86_64 and aarch64
        return BIG_ENDIAN ? Long.reverseBytes(x) : x;
    }

    /** Whether {@code b} is a {@code tchar}: no controls, spaces, delimiters or obs-text. */
    static boolean isTchar(byte b) {
        return TCHAR[b & 0xff];
    }

    /** Whether {@code [from, to)} is a non-empty token (RFC 9110 5.6.2). */
    static boolean isToken(MemorySegment s, long from, long to) {
        if (to <= from) {
            return false;
        }
        for (long i = from; i < to; i++) {
            if (!isTchar(s.get(ValueLayout.JAVA_BYTE, i))) {
                return false;
            }
        }
        return true;
    }

    /** A control character (0x00-0x1f, 0x7f) other than HTAB: never part of a field value or a reason phrase. */
    static boolean isCtlNotTab(byte b) {
        int c = b & 0xff;
        return (c < 0x20 && c != '\t') || c == 0x7f;
    }

    /**
     * A Host value (RFC 9110 7.2, RFC 3986 3.2.2): {@code uri-host [":" port]}, that is unreserved characters,
     * percent escapes, sub-delims, a colon and the brackets of an IP literal; empty is allowed. A server must
     * answer 400 to any other (RFC 9110 7.2).
     */
    static boolean validHost(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            if (!HOST[s.get(ValueLayout.JAVA_BYTE, i) & 0xff]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first {@code b} in {@code [from, to)}, or {@code -1}. Eight bytes at a time: a byte of the word that equals
     * {@code b} becomes zero after the xor, and {@code (x - 0x01..) & ~x & 0x80..} flags the lowest zero byte exactly
     * (a borrow can only wrongly flag bytes above a true zero, and the lowest flag is the one taken).
     */
    static long indexOf(MemorySegment s, byte b, long from, long to) {
        long pattern = (b & 0xffL) * ONES;
        long i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = word(s, i) ^ pattern;
            long zero = (x - ONES) & ~x & HIGHS;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) == b) {
                return i;
            }
        }
        return -1;
    }

    /** The end of the line whose LF is at {@code nl}: before a CR that precedes it. */
    static long lineEnd(MemorySegment s, long from, long nl) {
        return nl > from && s.get(ValueLayout.JAVA_BYTE, nl - 1) == '\r' ? nl - 1 : nl;
    }

    static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** The first byte of {@code [from, to)} that is not a space or tab ({@code to} if none). */
    static long skipSpaces(MemorySegment s, long from, long to) {
        while (from < to && isSpace(s.get(ValueLayout.JAVA_BYTE, from))) {
            from++;
        }
        return from;
    }

    /** The end of {@code [from, to)} without trailing spaces and tabs. */
    static long trimEnd(MemorySegment s, long from, long to) {
        while (to > from && isSpace(s.get(ValueLayout.JAVA_BYTE, to - 1))) {
            to--;
        }
        return to;
    }

    /**
     * A field value (RFC 9110 5.5): HTAB, SP, VCHAR and obs-text, which recipients treat as opaque data; no other
     * control character (NUL, a bare CR, DEL) is allowed.
     */
    static boolean validValue(MemorySegment s, long from, long to) {
        long i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = word(s, i);
            // any byte below 0x20 (a borrow starts only at one) or equal to 0x7f; obs-text's high bit clears ~x
            long below = (x - 0x20 * ONES) & ~x & HIGHS;
            long del = x ^ (0x7f * ONES);
            if ((below | ((del - ONES) & ~del & HIGHS)) != 0 && !validBytes(s, i, i + Long.BYTES)) {
                return false; // else only a HTAB flagged the word
            }
        }
        return validBytes(s, i, to);
    }

    private static boolean validBytes(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            if (isCtlNotTab(s.get(ValueLayout.JAVA_BYTE, i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [at, at + len)} is {@code lower} ignoring ASCII case (header names, tokens). */
    static boolean is(MemorySegment s, long at, long len, String lower) {
        if (len != lower.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int b = s.get(ValueLayout.JAVA_BYTE, at + i) & 0xff;
            if (b >= 'A' && b <= 'Z') {
                b |= 0x20; // fold letters only: | 0x20 on anything else would make a CR match '-'
            }
            if (b != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code lower} occurs in {@code [from, to)} ignoring ASCII case. */
    static boolean contains(MemorySegment s, long from, long to, String lower) {
        for (long i = from; i + lower.length() <= to; i++) {
            if (is(s, i, lower.length(), lower)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code [at, ...)} starts with {@code prefix}, exactly. */
    static boolean startsWith(MemorySegment s, long at, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (s.get(ValueLayout.JAVA_BYTE, at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** A length: 1 to 18 decimal digits and nothing else; {@code -1} otherwise (never an overflow). */
    static long decimal(MemorySegment s, long from, long to) {
        if (to == from || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (long i = from; i < to; i++) {
            int c = s.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + c - '0';
        }
        return n;
    }

    static String ascii(MemorySegment s, long from, long to) {
        byte[] bytes = new byte[(int) (to - from)];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, from, bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
