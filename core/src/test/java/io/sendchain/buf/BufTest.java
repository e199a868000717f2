package io.sendchain.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buf: the ngx_buf_* predicates, window checks and the off-heap rule. */
class BufTest {

    private final Arena arena = Arena.ofConfined();
    private final List<FileChannel> channels = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws IOException {
        arena.close();
        for (FileChannel ch : channels) {
            ch.close();
        }
    }

    @Test
    void memoryBufSizeIsLastMinusPosAndIgnoresTheFileWindow() {
        Buf b = Buf.temp(arena.allocate(100)).last(60).pos(10);
        b.inFile(true).fileLast(1000).filePos(0);
        assertEquals(50, b.size());
        assertTrue(b.inMemory());
        assertFalse(b.inMemoryOnly());
    }

    @Test
    void fileBufSizeIsFileLastMinusFilePos() {
        Buf b = Buf.ofFile(fileRef(), 4096, 10000);
        assertEquals(10000 - 4096, b.size());
        assertFalse(b.inMemory());
        assertTrue(b.inFile());
    }

    @Test
    void anyOfTemporaryMemoryOrMmapMakesABufInMemory() {
        assertTrue(new Buf().temporary(true).inMemory());
        assertTrue(new Buf().memory(true).inMemory());
        assertTrue(new Buf().mmap(true).inMemory());
        assertFalse(new Buf().inMemory());
    }

    @Test
    void aBufWithASignalAndNoDataIsSpecial() {
        assertTrue(Buf.flushBuf().special());
        assertTrue(Buf.lastBufMarker().special());
        assertTrue(Buf.syncBuf().special());
        assertTrue(Buf.syncBuf().syncOnly());
        assertFalse(Buf.syncBuf().flush(true).syncOnly());
        assertFalse(new Buf().special(), "no signal, no data: not special, just empty");
    }

    @Test
    void aBufWithDataIsNotSpecialEvenWithSignals() {
        Buf mem = Buf.wrap(arena.allocate(4)).lastBuf(true).flush(true);
        assertFalse(mem.special());
        Buf file = Buf.ofFile(fileRef(), 0, 1).lastBuf(true);
        assertFalse(file.special());
    }

    @Test
    void wrapCoversTheWholeSegmentAsReadOnlyMemory() {
        Buf b = Buf.wrap(arena.allocate(17));
        assertEquals(0, b.pos());
        assertEquals(17, b.last());
        assertEquals(17, b.end());
        assertTrue(b.memory());
        assertFalse(b.temporary());
    }

    @Test
    void copyOfPutsHeapBytesIntoNativeMemory() {
        try (Pool pool = new Pool()) {
            Buf b = Buf.copyOf(pool, new byte[] {1, 2, 3});
            assertTrue(b.segment().isNative());
            assertEquals(3, b.size());
            assertEquals(2, b.segment().get(ValueLayout.JAVA_BYTE, 1));
        }
    }

    @Test
    void heapSegmentsAreRefusedBecauseTheKernelCannotSeeThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Buf.temp(MemorySegment.ofArray(new byte[8])));
        assertTrue(e.getMessage().contains("native"), e.getMessage());
    }

    @Test
    void positionsOutsideTheSegmentAreRefusedWithTheValue() {
        Buf b = Buf.temp(arena.allocate(8));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.last(9));
        assertTrue(e.getMessage().contains("last") && e.getMessage().contains("9"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.pos(-1));
    }

    @Test
    void aNegativeFileWindowIsRefusedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Buf.ofFile(fileRef(), 10, 5));
        assertTrue(e.getMessage().contains("10..5"), e.getMessage());
    }

    @Test
    void malformedOrderIsAllowedSoThePipelineCanReportItByName() {
        Buf b = Buf.temp(arena.allocate(8)).last(2).pos(5);
        assertEquals(-3, b.size());
    }

    @Test
    void nioViewIsCachedAndCoversTheSegment() {
        Buf b = Buf.temp(arena.allocate(32));
        assertSame(b.nioView(), b.nioView());
        assertEquals(32, b.nioView().capacity());
        b.segment(arena.allocate(16));
        assertEquals(16, b.nioView().capacity(), "a new segment gets a new view");
    }

    @Test
    void copyFromTakesEveryField() {
        Buf a = Buf.temp(arena.allocate(8)).last(6).pos(2);
        a.inFile(true).file(fileRef()).fileLast(9).filePos(3);
        Buf.Tag t = new FreeBusy().tag();
        a.tag(t).recycled(true).flush(true).lastBuf(true).lastInChain(true).num(7);
        Buf b = new Buf().copyFrom(a);
        assertEquals(a.toString(), b.toString());
        assertSame(a.segment(), b.segment());
        assertSame(t, b.tag());
        assertEquals(7, b.num());
    }

    @Test
    void toStringNamesTheFlagsAndWindows() {
        Buf b = Buf.ofFile(fileRef(), 1, 2).flush(true);
        String s = b.toString();
        assertTrue(s.contains("f:1") && s.contains("\"test-file\" 1-2") && s.contains("flush"), s);
    }

    private FileRef fileRef() {
        try {
            FileChannel ch = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            channels.add(ch);
            return FileRef.of(ch, "test-file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
