package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The word-at-a-time scans of {@link HttpSyntax} and the run copying of {@link UpstreamHead#copyHeaders} against
 * byte-at-a-time references, on seeded random text (the seed is printed; {@code -Dsendchain.seed=N} replays it).
 */
@Timeout(60)
class HttpSyntaxTest {

    /** Bytes that matter to the scans, and others: LF, CR, colon, HTAB, DEL, NUL, controls, obs-text, letters. */
    private static final byte[] ALPHABET = {'\n', '\r', ':', '\t', 0x7f, 0, 0x01, 0x1f, 0x20, (byte) 0x80,
        (byte) 0xff, (byte) 0x8a, 'a', 'Z', '0', '-', ' '};

    private static long seed() {
        long seed = Long.getLong("sendchain.seed", System.nanoTime());
        System.out.println("HttpSyntaxTest seed " + seed + " (replay with -Dsendchain.seed=" + seed + ")");
        return seed;
    }

    private static long naiveIndexOf(MemorySegment s, byte b, long from, long to) {
        for (long i = from; i < to; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean naiveValid(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            int c = s.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Test
    void indexOfAndValidValueAgreeWithAByteLoopAtEveryOffsetAndLength() {
        long seed = seed();
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64);
            for (int round = 0; round < 20_000; round++) {
                // sparse: mostly one filler byte, so that matches sit anywhere in a word, or none at all
                byte filler = rnd.nextBoolean() ? (byte) 'a' : (byte) (0x80 + rnd.nextInt(128));
                for (int i = 0; i < 64; i++) {
                    s.set(ValueLayout.JAVA_BYTE, i, rnd.nextInt(12) == 0 ? ALPHABET[rnd.nextInt(ALPHABET.length)]
                            : filler);
                }
                int from = rnd.nextInt(64);
                int to = from + rnd.nextInt(65 - from);
                byte b = ALPHABET[rnd.nextInt(ALPHABET.length)];
                assertEquals(naiveIndexOf(s, b, from, to), HttpSyntax.indexOf(s, b, from, to),
                        () -> "indexOf(" + b + ", " + from + ", " + to + "), seed " + seed);
                assertEquals(naiveValid(s, from, to), HttpSyntax.validValue(s, from, to),
                        () -> "validValue(" + from + ", " + to + "), seed " + seed);
            }
        }
    }

    @Test
    void aHostTakesExactlyUnreservedPercentSubDelimsColonAndBrackets() {
        String allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:[]";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(3);
            for (int c = 0; c < 256; c++) {
                s.set(ValueLayout.JAVA_BYTE, 0, (byte) 'h');
                s.set(ValueLayout.JAVA_BYTE, 1, (byte) c);
                s.set(ValueLayout.JAVA_BYTE, 2, (byte) 'x');
                assertEquals(allowed.indexOf(c) >= 0, HttpSyntax.validHost(s, 0, 3), "byte " + c);
            }
            assertTrue(HttpSyntax.validHost(s, 0, 0), "an empty Host is allowed");
        }
    }

    @Test
    void aValueIsCheckedWholeWhateverWordItsBadByteFallsIn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(40);
            for (int bad : new int[] {0x00, 0x0a, 0x0d, 0x1f, 0x7f}) {
                for (int at = 0; at < 40; at++) {
                    s.fill((byte) 'v');
                    s.set(ValueLayout.JAVA_BYTE, 3, (byte) '\t'); // HTAB is allowed, in a word of its own or not
                    s.set(ValueLayout.JAVA_BYTE, 17, (byte) 0xfe); // obs-text too
                    s.set(ValueLayout.JAVA_BYTE, at, (byte) bad);
                    assertFalse(HttpSyntax.validValue(s, 0, 40), "byte " + bad + " at " + at);
                    assertEquals(at == 39, HttpSyntax.validValue(s, 0, 39), "byte " + bad + " at " + at);
                }
            }
            s.fill((byte) 'v');
            s.set(ValueLayout.JAVA_BYTE, 3, (byte) '\t');
            assertTrue(HttpSyntax.validValue(s, 0, 40));
        }
    }

    /** The copy as it was written first: line by line, each kept line then CRLF. */
    private static String naiveCopy(MemorySegment s, long from, long to, String... skip) {
        StringBuilder out = new StringBuilder();
        long lineStart = from;
        while (lineStart < to) {
            long nl = naiveIndexOf(s, (byte) '\n', lineStart, to);
            if (nl < 0) {
                nl = to;
            }
            long le = nl > lineStart && s.get(ValueLayout.JAVA_BYTE, nl - 1) == '\r' ? nl - 1 : nl;
            long colon = naiveIndexOf(s, (byte) ':', lineStart, le);
            boolean keep = colon > lineStart;
            for (int i = 0; keep && i < skip.length; i++) {
                keep = !HttpSyntax.is(s, lineStart, colon - lineStart, skip[i]);
            }
            if (keep) {
                out.append(HttpSyntax.ascii(s, lineStart, le)).append("\r\n");
            }
            lineStart = nl + 1;
        }
        return out.toString();
    }

    @Test
    void copiedHeadersAreTheKeptLinesEachEndingInCrlf() {
        long seed = seed();
        Random rnd = new Random(seed);
        String[] names = {"Server", "Date", "Content-Type", "X-Long-Name-" + "n".repeat(70), "ETag", "connection",
            "Keep-Alive", "Te", "x"};
        String[] skip = {"server", "date", "connection", "keep-alive", "te", "x-long-name-" + "n".repeat(70)};
        FieldNames skipSet = new FieldNames(skip);
        AsciiWriter w = new AsciiWriter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(4096);
            Buf out = Buf.wrap(arena.allocate(8192));
            for (int round = 0; round < 5_000; round++) {
                StringBuilder head = new StringBuilder();
                int lines = rnd.nextInt(8);
                for (int i = 0; i < lines; i++) {
                    head.append(rnd.nextInt(10) == 0 ? "no colon here" : names[rnd.nextInt(names.length)] + ": v" + i);
                    boolean last = i == lines - 1;
                    if (last && rnd.nextInt(4) == 0) {
                        head.append(rnd.nextBoolean() ? "" : "\r"); // no line end on the last line, or a lone CR
                    } else {
                        head.append(rnd.nextInt(3) == 0 ? "\n" : "\r\n"); // a bare LF or CRLF
                    }
                }
                byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
                int offset = rnd.nextInt(9);
                MemorySegment.copy(bytes, 0, in, ValueLayout.JAVA_BYTE, offset, bytes.length);
                out.pos(0).last(0);
                w.start(out);
                UpstreamHead.copyHeaders(in, offset, offset + bytes.length, w, skipSet);
                assertTrue(w.finish());
                String expected = naiveCopy(in, offset, offset + bytes.length, skip);
                String got = HttpSyntax.ascii(out.segment(), 0, out.last());
                String shown = head.toString();
                assertEquals(expected, got, () -> "head " + shown.replace("\r", "\\r").replace("\n", "\\n")
                        + ", seed " + seed);
            }
        }
    }

    @Test
    void fieldNamesMatchIgnoringCaseAndOnlyWholeNames() {
        FieldNames set = new FieldNames("date", "proxy-connection", "x".repeat(80));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom("DaTe Proxy-Connection dates " + "X".repeat(80) + " "
                    + "x".repeat(81), StandardCharsets.ISO_8859_1);
            assertTrue(set.contains(s, 0, 4));
            assertTrue(set.contains(s, 5, 16));
            assertFalse(set.contains(s, 22, 5)); // "dates"
            assertFalse(set.contains(s, 22, 4 - 1)); // "dat"
            assertTrue(set.contains(s, 28, 80));
            assertFalse(set.contains(s, 109, 81)); // shares the long names' bit, not a name
        }
    }
}
