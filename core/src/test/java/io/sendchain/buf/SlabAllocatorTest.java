package io.sendchain.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** SlabAllocator and the pools that borrow from it: size classes, bounds, counters, reuse, misuse detection. */
class SlabAllocatorTest {

    @Test
    void aRequestTakesTheSmallestClassThatHoldsItAndItsAlignment() {
        assertEquals(512, SlabAllocator.classBytes(SlabAllocator.sizeClass(0, 1)));
        assertEquals(512, SlabAllocator.classBytes(SlabAllocator.sizeClass(512, 1)));
        assertEquals(1024, SlabAllocator.classBytes(SlabAllocator.sizeClass(513, 1)));
        assertEquals(4096, SlabAllocator.classBytes(SlabAllocator.sizeClass(100, 4096)));
        assertEquals(128 * 1024, SlabAllocator.classBytes(SlabAllocator.sizeClass(100_000, 8)));
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.sizeClass(8, 8192));
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.sizeClass(SlabAllocator.MAX_SIZE + 1, 1));
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.sizeClass(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> SlabAllocator.sizeClass(8, 3));
    }

    @Test
    void memoryGivenBackIsHandedOutAgainWithoutReservingMore() {
        SlabAllocator memory = new SlabAllocator(0);
        Pool pool = new Pool(memory);
        Buf a = pool.createTempBuf(1000);
        long address = a.segment().address();
        long reserved = memory.reserved();
        assertEquals(1024, memory.inUse());
        pool.free(a);
        assertNull(a.segment(), "a freed buf has no memory any more");
        assertEquals(0, memory.inUse());
        Buf b = pool.createTempBuf(900);
        assertEquals(address, b.segment().address(), "the free list is last in, first out");
        assertEquals(reserved, memory.reserved());
        pool.close();
        assertEquals(0, memory.inUse());
        assertEquals(0, memory.chunksInUse());
    }

    @Test
    void releasingAPoolGivesEveryChunkBackAndKeepsItsLinks() {
        SlabAllocator memory = new SlabAllocator(0);
        Pool pool = new Pool(memory);
        pool.createTempBuf(100);
        pool.createTempBuf(5000, 4096);
        pool.allocate(300_000, 64);
        pool.freeLink(pool.allocLink());
        assertEquals(3, pool.heldChunks());
        assertEquals(512 + 8192 + 512 * 1024, pool.heldBytes());
        pool.release();
        assertEquals(0, pool.heldChunks());
        assertEquals(0, memory.inUse());
        assertEquals(1, pool.idleLinks(), "links are kept for the next request");
        assertNotNull(pool.createTempBuf(10), "a released pool is used again");
        pool.close();
        assertEquals(0, memory.inUse());
    }

    @Test
    void theBoundRefusesMoreMemoryAndReclaimsPagesNoChunkUses() {
        SlabAllocator memory = new SlabAllocator(SlabAllocator.BLOCK_SIZE);
        Pool pool = new Pool(memory);
        // fill the one block with 1 KiB chunks, then give them all back
        List<Buf> small = new ArrayList<>();
        for (int i = 0; i < SlabAllocator.BLOCK_SIZE / 1024; i++) {
            small.add(pool.createTempBuf(1024));
        }
        MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> pool.createTempBuf(1024));
        assertTrue(e.getMessage().contains("memory limit reached"), e.getMessage());
        assertEquals(1, memory.refused());
        for (Buf b : small) {
            pool.free(b);
        }
        // the pages go back to spare and serve another class
        Buf big = pool.createTempBuf(64 * 1024);
        assertEquals(64 * 1024, big.end());
        assertEquals(SlabAllocator.BLOCK_SIZE, memory.reserved(), "no block beyond the bound");
        // a dedicated slab does not fit next to the block
        assertThrows(MemoryLimitException.class, () -> pool.createTempBuf(128 * 1024));
        pool.close();
        assertEquals(0, memory.inUse());
    }

    @Test
    void givingAChunkBackTwiceIsADoubleRelease() {
        SlabAllocator memory = new SlabAllocator(0);
        Chunk ch = memory.take(10, 1);
        memory.give(ch);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> memory.give(ch));
        assertTrue(e.getMessage().startsWith("double release"), e.getMessage());
        assertEquals(0, memory.inUse());
    }

    @Test
    void releaseLeavesTheOwningBufsWithoutMemorySoAStaleUseFailsAndTheHeaderCanBeReused() {
        SlabAllocator memory = new SlabAllocator(0);
        Pool pool = new Pool(memory);
        Buf a = pool.createTempBuf(10);
        Buf copy = new Buf().copyFrom(a);
        assertFalse(copy.ownsPoolMemory(), "a copy never owns the memory");
        assertTrue(a.ownsPoolMemory());
        pool.release();
        assertNull(a.segment(), "the owner lost its memory");
        assertFalse(a.ownsPoolMemory());
        assertThrows(IndexOutOfBoundsException.class, () -> a.last(1));
        pool.free(a); // nothing left to give back
        assertEquals(0, memory.inUse());
        pool.tempBuf(a, 100);
        assertTrue(a.ownsPoolMemory());
        assertEquals(100, a.end());
        assertEquals(512, memory.inUse());
        pool.free(a);
        assertEquals(0, memory.inUse());
        pool.close();
    }

    @Test
    void aBufFromOnePoolCannotBeFreedThroughAnother() {
        SlabAllocator memory = new SlabAllocator(0);
        try (Pool p1 = new Pool(memory); Pool p2 = new Pool(memory)) {
            Buf a = p1.createTempBuf(10);
            assertThrows(IllegalStateException.class, () -> p2.free(a));
            assertTrue(a.ownsPoolMemory());
        }
        assertEquals(0, memory.inUse());
    }

    @Test
    void checkedModeFailsAUseAfterRelease() {
        SlabAllocator memory = SlabAllocator.checked(0);
        Pool pool = new Pool(memory);
        Buf a = pool.createTempBuf(64);
        Buf shadow = new Buf().copyFrom(a);
        MemorySegment seg = a.segment();
        java.nio.ByteBuffer view = a.nioView();
        seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        pool.release();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0), "segment access");
        assertThrows(IllegalStateException.class, () -> shadow.segment().set(ValueLayout.JAVA_BYTE, 1, (byte) 2),
                "a copy of the buf");
        assertThrows(IllegalStateException.class, () -> view.put(0, (byte) 3), "the NIO view");
        assertEquals(0, memory.reserved(), "checked chunks are freed at once");
        pool.close();
    }

    @Test
    void checkedModeReportsWhereLeakedChunksWereTakenAndRefusesAnotherThread() throws Exception {
        SlabAllocator memory = SlabAllocator.checked(0);
        Pool pool = new Pool(memory);
        pool.createTempBuf(10);
        List<Throwable> sites = memory.leakSites();
        assertEquals(1, sites.size());
        assertTrue(java.util.Arrays.stream(sites.get(0).getStackTrace())
                .anyMatch(f -> f.getMethodName().startsWith("checkedModeReports")), "the site names the test");
        Throwable[] seen = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                pool.createTempBuf(10);
            } catch (IllegalStateException e) {
                seen[0] = e;
            }
        });
        t.start();
        t.join(10_000);
        assertNotNull(seen[0], "another thread is refused");
        assertTrue(seen[0].getMessage().contains("used from"), seen[0].getMessage());
        pool.close();
        assertTrue(memory.leakSites().isEmpty());
    }

    /**
     * Seeded random takes and gives through several pools: live chunks never overlap, keep their bytes until
     * given back, respect their alignment, the counters match what is live, the bound holds, and everything is
     * back when the pools close.
     */
    @Test
    void randomTakesAndGivesKeepChunksApartAndCountersExact() {
        long seed = Seeds.seed("SlabAllocatorTest.randomTakesAndGivesKeepChunksApartAndCountersExact");
        Random rnd = new Random(seed);
        for (boolean checked : new boolean[] {false, true}) {
            long limit = 8 * SlabAllocator.BLOCK_SIZE;
            SlabAllocator memory = checked ? SlabAllocator.checked(limit) : new SlabAllocator(limit);
            Pool[] pools = new Pool[4];
            List<List<Buf>> live = new ArrayList<>();
            for (int i = 0; i < pools.length; i++) {
                pools[i] = new Pool(memory);
                live.add(new ArrayList<>());
            }
            TreeMap<Long, Long> ranges = new TreeMap<>();
            Map<Buf, Byte> fill = new java.util.IdentityHashMap<>();
            for (int step = 0; step < 4000; step++) {
                int p = rnd.nextInt(pools.length);
                int op = rnd.nextInt(10);
                if (op < 6) {
                    long size = switch (rnd.nextInt(4)) {
                        case 0 -> rnd.nextInt(600);
                        case 1 -> rnd.nextInt(5000);
                        case 2 -> rnd.nextInt(70_000);
                        default -> rnd.nextInt(300_000);
                    };
                    long alignment = 1L << rnd.nextInt(13);
                    Buf b;
                    try {
                        b = pools[p].createTempBuf(size, alignment);
                    } catch (MemoryLimitException e) {
                        assertTrue(memory.reserved() <= limit, "seed " + seed);
                        continue;
                    }
                    long at = b.segment().address();
                    assertEquals(0, at % alignment, "alignment, seed " + seed);
                    assertEquals(size, b.end());
                    Map.Entry<Long, Long> below = ranges.floorEntry(at + Math.max(size, 1) - 1);
                    assertTrue(below == null || below.getValue() <= at, "overlap at " + at + ", seed " + seed);
                    ranges.put(at, at + Math.max(size, 1));
                    byte v = (byte) rnd.nextInt();
                    b.segment().asSlice(0, size).fill(v);
                    fill.put(b, v);
                    live.get(p).add(b);
                } else if (op < 9) {
                    List<Buf> l = live.get(p);
                    if (l.isEmpty()) {
                        continue;
                    }
                    Buf b = l.remove(rnd.nextInt(l.size()));
                    checkFill(b, fill.remove(b), seed);
                    ranges.remove(b.segment().address());
                    pools[p].free(b);
                } else {
                    for (Buf b : live.get(p)) {
                        checkFill(b, fill.remove(b), seed);
                        ranges.remove(b.segment().address());
                    }
                    live.get(p).clear();
                    pools[p].release();
                }
                long expect = 0;
                for (List<Buf> l : live) {
                    for (Buf b : l) {
                        expect += b.segment().byteSize();
                    }
                }
                assertEquals(expect, memory.inUse(), "in use, seed " + seed);
                assertTrue(memory.reserved() <= limit, "bound, seed " + seed);
                long classesInUse = memory.sizeClasses().stream().mapToLong(c -> c.inUse() * c.chunkSize()).sum();
                assertEquals(expect, classesInUse, "per class, seed " + seed);
            }
            for (Pool pool : pools) {
                pool.close();
            }
            assertEquals(0, memory.inUse(), "seed " + seed);
            assertEquals(0, memory.chunksInUse(), "seed " + seed);
            assertTrue(memory.leakSites().isEmpty());
            memory.close();
        }
    }

    private static void checkFill(Buf b, byte v, long seed) {
        MemorySegment s = b.segment();
        for (long i = 0; i < b.end(); i += 97) {
            assertEquals(v, s.get(ValueLayout.JAVA_BYTE, i), "bytes of a live chunk changed, seed " + seed);
        }
    }
}
