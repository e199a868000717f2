package io.sendchain.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.output.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chunked decoder against RFC 9112 7.1, row by row: valid framing decodes to its data and stops exactly at its
 * end, and every form two parsers could read differently is an error; each row is fed whole and a byte at a time.
 */
class ChunkedDecoderTest {

    /** The native memory the rows are decoded from (a buf's memory is off-heap). */
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void freeMemory() {
        ARENA.close();
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
                Arguments.of("no chunk at all", "0\r\n\r\n", ""),
                Arguments.of("upper and lower case hex", "A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n",
                        "01234567890123456789a"),
                Arguments.of("leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"),
                Arguments.of("extensions, quoted too", "5;a=b;c=\"d;e\"\r\nhello\r\n0;last\r\n\r\n", "hello"),
                Arguments.of("spaces before an extension", "5 \t;a\r\nhello\r\n0\r\n\r\n", "hello"),
                Arguments.of("spaces before the CRLF", "5  \r\nhello\r\n0\r\n\r\n", "hello"),
                Arguments.of("obs-text in an extension", "5;n=\u00e9\r\nhello\r\n0\r\n\r\n", "hello"),
                Arguments.of("trailers", "5\r\nhello\r\n0\r\nX-A: 1\r\nX-B:\t2\r\n\r\n", "hello"),
                Arguments.of("data holding CR, LF and a request", "1b\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n0\r\n\r\n",
                        "\r\nGET / HTTP/1.1\r\nHost: a\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validFramingDecodesToItsDataAndStopsAtItsEnd(String name, String wire, String data) throws IOException {
        for (int step : new int[] {Integer.MAX_VALUE, 1, 2, 3}) {
            // fed whole, the bytes after the message (the next one) come along and must not be touched
            byte[] bytes = (wire + "NEXT").getBytes(StandardCharsets.ISO_8859_1);
            Buf b = Buf.wrap(offHeap(bytes));
            b.pos(0).last(step == Integer.MAX_VALUE ? bytes.length : 0);
            ChunkedDecoder d = new ChunkedDecoder("test");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            Status rc = Status.AGAIN;
            while (rc != Status.DONE) {
                if (b.pos() == b.last()) {
                    assertTrue(b.last() < wire.length(), name + ": wants more than the message, step " + step);
                    b.last(Math.min(wire.length(), b.last() + step));
                }
                rc = d.parse(b);
                if (rc == Status.OK) {
                    got.write(bytes, (int) d.dataStart(), (int) (d.dataEnd() - d.dataStart()));
                }
            }
            assertEquals(data, got.toString(StandardCharsets.ISO_8859_1), name + ", step " + step);
            assertEquals(wire.length(), b.pos(), name + ": stopped where the message ends, step " + step);
        }
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("a bare LF ends a chunk size line", "5\nhello\r\n0\r\n\r\n"),
                Arguments.of("a bare LF ends the last chunk's line", "0\n\r\n"),
                Arguments.of("a bare LF ends an extension", "5;a=b\nhello\r\n0\r\n\r\n"),
                Arguments.of("a bare CR in an extension", "5;a\rb\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("two CRs after a chunk size", "5\r\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("NUL in an extension", "5;a\u0000\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a bare LF after chunk data", "5\r\nhello\n0\r\n\r\n"),
                Arguments.of("a bare CR after chunk data", "5\r\nhello\r0\r\n\r\n"),
                Arguments.of("data longer than its size", "5\r\nhello!\r\n0\r\n\r\n"),
                Arguments.of("something after the size that is no extension", "5 x\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a second number after the size", "5 3\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("spaces before the size", " 5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a sign", "+5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a minus zero", "-0\r\n\r\n"),
                Arguments.of("0x", "0x5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("an underscore", "0_5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("no size", "\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a size that overflows", "fffffffffffffffffff\r\n"),
                Arguments.of("a bare LF ends a trailer", "0\r\nX: 1\n\r\n"),
                Arguments.of("a bare LF ends the trailers", "0\r\nX: 1\r\n\n"),
                Arguments.of("a folded trailer", "0\r\nX: 1\r\n 2\r\n\r\n"),
                Arguments.of("a control in a trailer", "0\r\nX: \u0001\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void framingTwoParsersCouldReadDifferentlyIsAnError(String name, String wire) {
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        IOException whole = assertThrows(IOException.class, () -> drain(bytes, Integer.MAX_VALUE), name);
        assertTrue(whole.getMessage().startsWith("test: "), whole.getMessage());
        assertThrows(IOException.class, () -> drain(bytes, 1), name + ", a byte at a time");
    }

    /** Feeds {@code bytes} {@code step} at a time until the decoder is done or they are used up. */
    private static void drain(byte[] bytes, int step) throws IOException {
        Buf b = Buf.wrap(offHeap(bytes));
        b.pos(0).last(0);
        ChunkedDecoder d = new ChunkedDecoder("test");
        while (b.last() < bytes.length) {
            b.last(Math.min(bytes.length, b.last() + step));
            Status rc;
            do {
                rc = d.parse(b);
                if (rc == Status.DONE) {
                    return;
                }
            } while (b.pos() < b.last());
        }
    }

    /** A native copy of {@code bytes} in {@link #ARENA}. */
    private static MemorySegment offHeap(byte[] bytes) {
        MemorySegment seg = ARENA.allocate(Math.max(1, bytes.length));
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return seg.asSlice(0, bytes.length);
    }
}
