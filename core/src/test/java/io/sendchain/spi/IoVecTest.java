package io.sendchain.spi;

import io.sendchain.buf.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import io.sendchain.internal.BufAccess;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IoVec.fill: nginx's ngx_output_chain_to_iovec. */
class IoVecTest {

    private final Arena arena = Arena.ofConfined();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        arena.close();
    }

    private Buf mem(MemorySegment seg, long pos, long last) {
        return Buf.temp(seg).last(last).pos(pos);
    }

    @Test
    void neighbouringBufsInOneSegmentShareAnEntry() throws IOException {
        MemorySegment seg = arena.allocate(100);
        Chain in = Chain.of(mem(seg, 0, 10), mem(seg, 10, 30), mem(seg, 30, 31));
        IoVec vec = new IoVec();
        assertNull(vec.fill(in, Long.MAX_VALUE));
        assertEquals(1, vec.count());
        assertEquals(31, vec.size());
        assertEquals(31, vec.length(0));
        assertEquals(seg.address(), vec.address(0));
    }

    @Test
    void bufsWithAGapGetTheirOwnEntries() throws IOException {
        MemorySegment seg = arena.allocate(100);
        Chain in = Chain.of(mem(seg, 0, 10), mem(seg, 11, 20));
        IoVec vec = new IoVec();
        vec.fill(in, Long.MAX_VALUE);
        assertEquals(2, vec.count());
        assertEquals(11, vec.offset(1));
        assertEquals(9, vec.length(1));
        assertEquals(19, vec.size());
    }

    @Test
    void adjacentButSeparateSegmentsAreNotMergedSoEachEntryStaysInsideItsBufsSegment() throws IOException {
        MemorySegment whole = arena.allocate(64);
        MemorySegment a = whole.asSlice(0, 32);
        MemorySegment b = whole.asSlice(32, 32);
        IoVec vec = new IoVec();
        vec.fill(Chain.of(mem(a, 0, 32), mem(b, 0, 32)), Long.MAX_VALUE);
        assertEquals(2, vec.count());
    }

    @Test
    void specialBufsAreSkipped() throws IOException {
        MemorySegment seg = arena.allocate(100);
        Chain in = Chain.of(mem(seg, 0, 10), Buf.flushBuf(), mem(seg, 10, 20), Buf.lastBufMarker());
        IoVec vec = new IoVec();
        assertNull(vec.fill(in, Long.MAX_VALUE));
        assertEquals(1, vec.count(), "the flush between two neighbours does not break the coalescing");
        assertEquals(20, vec.size());
    }

    @Test
    void theScanStopsAtAFileBufAndReturnsIt() throws IOException {
        MemorySegment seg = arena.allocate(100);
        try (FileRef f = TestFiles.patternRef(dir, "f", 100)) {
            Chain file = new Chain().buf(Buf.ofFile(f, 0, 100)).next(Chain.of(mem(seg, 50, 60)));
            Chain in = new Chain().buf(mem(seg, 0, 10)).next(file);
            IoVec vec = new IoVec();
            assertSame(file, vec.fill(in, Long.MAX_VALUE));
            assertEquals(10, vec.size());
        }
    }

    @Test
    void aMemoryBufThatIsAlsoInAFileStopsTheScanLikeAFileBuf() throws IOException {
        MemorySegment seg = arena.allocate(100);
        try (FileRef f = TestFiles.patternRef(dir, "f", 100)) {
            Buf both = inFileToo(mem(seg, 10, 20), f).fileLast(10);
            Chain stop = Chain.of(both);
            IoVec vec = new IoVec();
            assertSame(stop, vec.fill(new Chain().buf(mem(seg, 0, 10)).next(stop), Long.MAX_VALUE));
            assertEquals(10, vec.size());
        }
    }

    @Test
    void theLimitCutsTheLastBufAndTheScanReturnsTheLinkAfterIt() throws IOException {
        MemorySegment seg = arena.allocate(100);
        Chain third = Chain.of(mem(seg, 60, 70));
        Chain in = new Chain().buf(mem(seg, 0, 10)).next(new Chain().buf(mem(seg, 20, 40)).next(third));
        IoVec vec = new IoVec();
        assertSame(third, vec.fill(in, 15));
        assertEquals(15, vec.size());
        assertEquals(2, vec.count());
        assertEquals(5, vec.length(1));
    }

    @Test
    void aZeroLimitGathersNothing() throws IOException {
        MemorySegment seg = arena.allocate(10);
        Chain in = Chain.of(mem(seg, 0, 10));
        IoVec vec = new IoVec();
        assertSame(in, vec.fill(in, 0));
        assertEquals(0, vec.count());
        assertEquals(0, vec.size());
    }

    @Test
    void whenEveryEntryIsUsedTheScanStopsAtTheNextBufThatNeedsOne() throws IOException {
        MemorySegment seg = arena.allocate(100);
        Chain fourth = Chain.of(mem(seg, 30, 31));
        Chain in = Chain.of(mem(seg, 0, 1), mem(seg, 10, 11), mem(seg, 20, 21));
        Chain.tail(in).next(fourth);
        IoVec vec = new IoVec(3);
        assertSame(fourth, vec.fill(in, Long.MAX_VALUE));
        assertEquals(3, vec.count());
        assertEquals(3, vec.size());
    }

    @Test
    void aFullVectorStillExtendsItsLastEntryWithANeighbour() throws IOException {
        MemorySegment seg = arena.allocate(100);
        IoVec vec = new IoVec(1);
        assertNull(vec.fill(Chain.of(mem(seg, 0, 5), mem(seg, 5, 9)), Long.MAX_VALUE));
        assertEquals(9, vec.size());
    }

    @Test
    void aBufNeitherInMemoryNorInAFileIsAnErrorNamingIt() {
        Buf bad = new Buf();
        BufAccess.recycled(bad, true);
        bad.fileLast(5);
        IOException e = assertThrows(IOException.class, () -> new IoVec().fill(Chain.of(bad), 100));
        assertTrue(e.getMessage().startsWith("bad buf in output chain buf t:0 r:1 f:0"), e.getMessage());
    }

    @Test
    void aShorterRefillForgetsTheEntriesOfTheLongerOne() throws IOException {
        MemorySegment seg = arena.allocate(100);
        IoVec vec = new IoVec();
        vec.fill(Chain.of(mem(seg, 0, 1), mem(seg, 10, 11)), 100);
        vec.fill(Chain.of(mem(seg, 50, 60)), 100);
        assertEquals(1, vec.count());
        assertThrows(IndexOutOfBoundsException.class, () -> vec.buf(1));
    }

    /** Makes {@code b} also describe its bytes as a window of {@code file} (in memory and in a file). */
    private static Buf inFileToo(Buf b, FileRef file) {
        BufAccess.inFile(b, true);
        BufAccess.file(b, file);
        return b;
    }
}
