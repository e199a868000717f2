package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Pool;
import io.sendchain.output.Status;
import io.sendchain.pipe.PipeInput;
import io.sendchain.testkit.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chunked passthrough state: data found in any split of the wire, skipped data counted, the CRLF after it. */
@Timeout(30)
class ChunkedPassthroughTest {

    private final Pool pool = new Pool();

    @AfterEach
    void release() {
        pool.close();
    }

    /** A native buf holding {@code bytes} (the bufs' memory must be off-heap), positions from 0. */
    private Buf buf(byte[] bytes) {
        return Buf.copyOf(pool, bytes);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A chunked wire of {@code data}: random chunk sizes, some with extensions, upper-case sizes, a trailer. */
    static byte[] wire(byte[] data, Random rnd) {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        for (int at = 0; at < data.length; ) {
            int n = Math.min(data.length - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 5000));
            String size = Integer.toHexString(n);
            w.writeBytes(ascii((rnd.nextBoolean() ? size : size.toUpperCase()) + (rnd.nextInt(4) == 0 ? ";x=y" : "")
                    + "\r\n"));
            w.write(data, at, n);
            w.writeBytes(ascii("\r\n"));
            at += n;
        }
        w.writeBytes(ascii(rnd.nextBoolean() ? "0\r\n\r\n" : "0\r\nX-T: 1\r\n\r\n"));
        return w.toByteArray();
    }

    /**
     * The wire arrives in random pieces; where a piece ends inside chunk data, a random share of the rest of that
     * chunk is skipped (as if spliced): every data byte is found once, in order, and the end is where the wire ends.
     */
    @Test
    void steppingThroughRandomPiecesWithRandomSkipsFindsEveryDataByteAndTheEnd() throws IOException {
        long seed = Seeds.seed("ChunkedPassthroughTest.random");
        Random rnd = new Random(seed);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[rnd.nextInt(40_000)];
            rnd.nextBytes(data);
            byte[] wire = wire(data, rnd);
            Buf b = buf(wire).last(0);
            ChunkedPassthrough p = new ChunkedPassthrough();
            p.begin();
            ByteArrayOutputStream found = new ByteArrayOutputStream();
            Status rc;
            for (;;) {
                rc = p.step(b);
                if (rc == Status.DONE) {
                    break;
                }
                if (rc == Status.AGAIN) {
                    assertTrue(b.last() < wire.length, "the end was not found (seed " + seed + ")");
                    b.last(Math.min(wire.length, b.last() + 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 3000)));
                    continue;
                }
                found.write(wire, (int) p.dataStart(), (int) (p.dataEnd() - p.dataStart()));
                long rest = p.rest();
                if (b.pos() == b.last() && rest > 0 && rnd.nextBoolean()) {
                    long k = 1 + (long) rnd.nextInt((int) rest);
                    found.write(wire, (int) b.pos(), (int) k);
                    p.skip(k);
                    b.pos(b.pos() + k).last(b.pos());
                }
            }
            assertEquals(wire.length, b.pos(), "round " + round + ", seed " + seed);
            assertArrayEquals(data, found.toByteArray(), "round " + round + ", seed " + seed);
            pool.free(b);
        }
    }

    /** What an event pipe sees of the filter: its shadows' bytes, its length, its end. */
    static final class Pipe implements PipeInput {
        final ByteArrayOutputStream shadows = new ByteArrayOutputStream();
        long length = 3;
        boolean done;

        @Override
        public Buf shadow(Buf raw, long pos, long last) {
            shadows.write(raw.segment().asSlice(pos, last - pos).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    0, (int) (last - pos));
            return new Buf();
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public void length(long length) {
            this.length = length;
        }

        @Override
        public boolean upstreamDone() {
            return done;
        }

        @Override
        public void markUpstreamDone() {
            done = true;
        }
    }

    /**
     * After part of a chunk was skipped, the event pipe gets the rest of the wire byte for byte, framing included,
     * up to the end of the last chunk; what follows it is dropped. Fed in pieces of {@code piece} bytes: a last chunk
     * that arrives in one piece goes on as it came; one split over pieces is held back from its first byte and,
     * once complete, owed as a new last chunk (its first bytes are gone with their piece).
     */
    @Test
    void asTheEventPipesInputItPassesTheRestOnAsItCameUpToTheLastChunk() throws IOException {
        byte[] wire = ascii("a;e=1\r\n0123456789\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\nEXTRA");
        int bodyEnd = wire.length - 5;
        int lastChunk = bodyEnd - 11; // "0\r\nX: y\r\n\r\n"
        int from = 12;
        for (int piece : new int[] {4, 5, wire.length}) {
            ChunkedPassthrough p = new ChunkedPassthrough();
            p.begin();
            Buf b = buf(wire).last(9); // the size line and "01"
            assertEquals(Status.OK, p.step(b));
            assertEquals(8, p.rest());
            p.skip(3); // "234" spliced; the pipe takes on from "56789"
            p.reset(); // as the event pipe does when it takes the filter: the state stays
            Pipe pipe = new Pipe();
            boolean whole = true; // the last chunk came in one piece
            for (int at = from; at < wire.length; at += piece) {
                int to = Math.min(wire.length, at + piece);
                whole &= !(at > lastChunk && at < bodyEnd);
                Buf raw = buf(Arrays.copyOfRange(wire, at, to));
                p.process(pipe, raw);
                if (pipe.done) {
                    break;
                }
                assertTrue(pipe.length > 0);
            }
            assertTrue(pipe.done, "the last chunk ends the body");
            assertEquals(0, pipe.length);
            assertEquals(!whole, p.lastChunkOwed(), "piece " + piece);
            assertArrayEquals(Arrays.copyOfRange(wire, from, whole ? bodyEnd : lastChunk), pipe.shadows.toByteArray(),
                    "piece " + piece);
        }
    }

    /**
     * A wire cut anywhere inside its last chunk (or inside a size of zeros) passes nothing of it on; zeros held back
     * that begin a data chunk's size leave the same data behind.
     */
    @Test
    void asTheEventPipesInputItHoldsBackAnUnfinishedLastChunk() throws IOException {
        byte[] wire = ascii("3\r\nabc\r\n0\r\nX: y\r\n\r\n");
        int lastChunk = 8;
        for (int cut = lastChunk + 1; cut < wire.length; cut++) {
            ChunkedPassthrough p = new ChunkedPassthrough();
            p.begin();
            Pipe pipe = new Pipe();
            p.process(pipe, buf(Arrays.copyOf(wire, cut)));
            assertFalse(pipe.done);
            assertArrayEquals(Arrays.copyOf(wire, lastChunk), pipe.shadows.toByteArray(), "cut at " + cut);
        }
        // "00" at the end of a piece, "a" in the next: a data chunk of 10 bytes, its size passed on as "a"
        byte[] zeros = ascii("3\r\nabc\r\n00a\r\n0123456789\r\n0\r\n\r\n");
        ChunkedPassthrough p = new ChunkedPassthrough();
        p.begin();
        Pipe pipe = new Pipe();
        p.process(pipe, buf(Arrays.copyOf(zeros, 10)));
        p.process(pipe, buf(Arrays.copyOfRange(zeros, 10, zeros.length)));
        assertTrue(pipe.done);
        assertFalse(p.lastChunkOwed());
        assertEquals("3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n", pipe.shadows.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void anythingButCrlfAfterSkippedDataIsMalformedFraming() throws IOException {
        byte[] wire = ascii("5\r\nhelloX\r\n");
        ChunkedPassthrough p = new ChunkedPassthrough();
        p.begin();
        Buf b = buf(wire).last(4);
        assertEquals(Status.OK, p.step(b));
        assertEquals(4, p.rest());
        p.skip(4);
        b.pos(8).last(wire.length);
        IOException e = assertThrows(IOException.class, () -> p.step(b));
        assertEquals("upstream sent invalid chunked response: chunk data is longer than its size", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.skip(1), "nothing is left to skip");
    }
}
