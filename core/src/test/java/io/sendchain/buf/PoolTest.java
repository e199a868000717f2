package io.sendchain.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Pool: link reuse and native allocation. */
class PoolTest {

    @Test
    void aFreedLinkIsHandedOutAgainBeforeANewOne() {
        try (Pool pool = new Pool()) {
            Chain a = pool.allocLink();
            a.buf(new Buf());
            pool.freeLink(a);
            assertEquals(1, pool.idleLinks());
            Chain b = pool.allocLink();
            assertSame(a, b);
            assertNull(b.buf(), "a freed link drops its buf");
            assertEquals(1, pool.linksCreated());
            assertEquals(0, pool.idleLinks());
        }
    }

    @Test
    void allocationsAreNativeAndAlignedInBothMemoryModes() {
        try (Arena arena = Arena.ofConfined()) {
            for (Pool pool : new Pool[] {new Pool(), new Pool(arena)}) {
                MemorySegment m = pool.allocate(1000, 512);
                assertTrue(m.isNative());
                assertEquals(0, m.address() % 512);
                Buf b = pool.createTempBuf(100, 64);
                assertEquals(0, b.segment().address() % 64);
                assertEquals(100, b.end());
                pool.close();
            }
        }
    }

    @Test
    void directBuffersFromOneSlabDoNotOverlapAndServeAsPlainNioViews() {
        try (Pool pool = new Pool()) {
            Buf a = pool.createTempBuf(1000, 8);
            Buf b = pool.createTempBuf(3000, 512);
            Buf big = pool.createTempBuf(100_000, 4096);
            long aEnd = a.segment().address() + 1000;
            assertTrue(b.segment().address() >= aEnd || b.segment().address() + 3000 <= a.segment().address());
            assertEquals(0, big.segment().address() % 4096);
            assertEquals(100_000, big.end());
            assertTrue(big.nioView().capacity() >= 100_000, "the view covers the buf's memory");
            a.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 999, (byte) 7);
            assertEquals(7, a.nioView().get(999), "the view and the segment are the same bytes");
            assertTrue(a.nioView().isDirect());
        }
    }

    @Test
    void aClosedPoolRefusesToAllocate() {
        Pool pool = new Pool();
        pool.close();
        assertEquals("pool is closed",
                assertThrows(IllegalStateException.class, () -> pool.createTempBuf(8)).getMessage());
    }

    @Test
    void aPoolOverACallersArenaLeavesTheArenaOpen() {
        try (Arena arena = Arena.ofConfined()) {
            Pool pool = new Pool(arena);
            MemorySegment m = pool.allocate(8, 8);
            pool.close();
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }
}
