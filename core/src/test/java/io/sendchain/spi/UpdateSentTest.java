package io.sendchain.spi;

import io.sendchain.buf.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import io.sendchain.internal.BufAccess;
import io.sendchain.testkit.Seeds;
import io.sendchain.testkit.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chains.updateSent: nginx's ngx_chain_update_sent, by example and by random chains. */
class UpdateSentTest {

    private final Arena arena = Arena.ofConfined();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        arena.close();
    }

    private Buf mem(int size) {
        return Buf.temp(arena.allocate(size)).last(size);
    }

    @Test
    void fullySentBufsAreEmptiedAndThePartlySentOneAdvanced() {
        Buf a = mem(10);
        Buf b = mem(10);
        Buf c = mem(10);
        Chain in = Chain.of(a, b, c);
        Chain rest = Chains.updateSent(in, 15);
        assertSame(b, rest.buf());
        assertEquals(0, a.size());
        assertEquals(5, b.pos());
        assertEquals(10, c.size());
    }

    @Test
    void zeroSentLeavesTheChainAsItWas() {
        Chain in = Chain.of(mem(10));
        assertSame(in, Chains.updateSent(in, 0));
        assertEquals(10, in.buf().size());
    }

    @Test
    void everythingSentReturnsNull() {
        assertNull(Chains.updateSent(Chain.of(mem(3), Buf.flushBuf(), mem(4)), 7));
    }

    @Test
    void aTrailingSpecialBufIsSteppedOverOnceTheDataIsSent() {
        assertNull(Chains.updateSent(Chain.of(mem(3), Buf.lastBufMarker()), 3));
    }

    @Test
    void aSpecialBufBetweenSentAndUnsentDataIsSteppedOver() {
        Chain unsent = Chain.of(mem(4));
        Chain in = new Chain().buf(mem(3)).next(new Chain().buf(Buf.flushBuf()).next(unsent));
        assertSame(unsent, Chains.updateSent(in, 3));
    }

    @Test
    void aBufInMemoryAndInAFileAdvancesBothWindows() throws IOException {
        try (FileRef f = TestFiles.patternRef(dir, "f", 100)) {
            Buf both = inFileToo(mem(20), f).fileLast(60).filePos(40);
            Chains.updateSent(Chain.of(both), 8);
            assertEquals(8, both.pos());
            assertEquals(48, both.filePos());
            Chains.updateSent(Chain.of(both), 12);
            assertEquals(20, both.pos());
            assertEquals(60, both.filePos());
        }
    }

    @Test
    void aFileBufAdvancesItsFileWindowOnly() throws IOException {
        try (FileRef f = TestFiles.patternRef(dir, "f", 100)) {
            Buf b = Buf.ofFile(f, 10, 100);
            Chains.updateSent(Chain.of(b), 30);
            assertEquals(40, b.filePos());
        }
    }

    @Test
    void negativeSentIsAMisuse() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Chains.updateSent(Chain.of(mem(1)), -3));
        assertEquals("sent < 0: -3", e.getMessage());
    }

    /**
     * Random chains of memory, file and special bufs are "sent" in random steps; each step's bytes are read
     * from the bufs before updateSent consumes them. The bytes seen must be the chain's bytes in order, and the
     * returned link must start exactly at the first unsent byte.
     */
    @RepeatedTest(20)
    void randomSendsNeverSkipNorRepeatAByte() throws IOException {
        long seed = Seeds.seed("randomSendsNeverSkipNorRepeatAByte");
        Random rnd = new Random(seed);
        byte[] fileBytes = TestFiles.pattern(1 << 16);
        try (FileRef f = TestFiles.patternRef(dir, "rnd-" + seed, fileBytes.length)) {
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            List<Buf> bufs = new ArrayList<>();
            int links = 1 + rnd.nextInt(30);
            for (int i = 0; i < links; i++) {
                int kind = rnd.nextInt(5);
                if (kind == 0) {
                    bufs.add(rnd.nextBoolean() ? Buf.flushBuf() : Buf.syncBuf());
                } else if (kind <= 2) {
                    byte[] data = TestFiles.random(rnd, 1 + rnd.nextInt(3000));
                    MemorySegment seg = arena.allocate(data.length + 16);
                    int off = rnd.nextInt(16);
                    MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, off, data.length);
                    bufs.add(Buf.temp(seg).last(off + data.length).pos(off));
                    expected.writeBytes(data);
                } else {
                    int from = rnd.nextInt(fileBytes.length - 1);
                    int to = from + 1 + rnd.nextInt(Math.min(5000, fileBytes.length - from));
                    to = Math.min(to, fileBytes.length);
                    bufs.add(Buf.ofFile(f, from, to));
                    expected.writeBytes(java.util.Arrays.copyOfRange(fileBytes, from, to));
                }
            }
            Chain in = Chain.of(bufs.toArray(Buf[]::new));
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            long total = expected.size();
            long consumed = 0;
            while (consumed < total) {
                long step = Math.min(total - consumed, rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(4000));
                seen.writeBytes(head(in, step));
                in = Chains.updateSent(in, step);
                consumed += step;
                assertEquals(total - consumed, bytes(in), "seed " + seed + ": bytes left after " + consumed);
                if (in != null && step > 0) {
                    assertTrue(in.buf().special() || in.buf().size() > 0,
                            "seed " + seed + ": the returned link must hold the next unsent byte or be a signal");
                }
            }
            assertArrayEquals(expected.toByteArray(), seen.toByteArray(), "seed " + seed);
        }
    }

    /** The first {@code n} bytes of the chain, read from its windows without consuming them. */
    private static byte[] head(Chain in, long n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Chain cl = in; cl != null && n > 0; cl = cl.next()) {
            Buf b = cl.buf();
            if (b.special()) {
                continue;
            }
            int len = (int) Math.min(n, b.size());
            if (b.inMemory()) {
                out.writeBytes(b.segment().asSlice(b.pos(), len).toArray(ValueLayout.JAVA_BYTE));
            } else {
                ByteBuffer bb = ByteBuffer.allocate(len);
                b.file().channel().read(bb, b.filePos());
                out.writeBytes(bb.array());
            }
            n -= len;
        }
        return out.toByteArray();
    }

    /** Makes {@code b} also describe its bytes as a window of {@code file} (in memory and in a file). */
    private static Buf inFileToo(Buf b, FileRef file) {
        BufAccess.inFile(b, true);
        BufAccess.file(b, file);
        return b;
    }

    /** Bytes left in the chain from {@code cl} on. */
    static long bytes(Chain cl) {
        long size = 0;
        for (; cl != null; cl = cl.next()) {
            size += cl.buf().size();
        }
        return size;
    }
}
