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
    void allocationsAreNativeAndAligned() {
        try (Pool pool = new Pool()) {
            MemorySegment m = pool.allocate(1000, 512);
            assertTrue(m.isNative());
            assertEquals(0, m.address() % 512);
        }
    }

    @Test
    void badSizesAndAlignmentsAreRefusedWithTheirValue() {
        try (Pool pool = new Pool()) {
            assertEquals("size < 0: -1", assertThrows(IllegalArgumentException.class,
                    () -> pool.allocate(-1, 8)).getMessage());
            assertEquals("alignment must be a power of two: 24", assertThrows(IllegalArgumentException.class,
                    () -> pool.allocate(8, 24)).getMessage());
        }
    }

    @Test
    void closingAnOwnedPoolFreesItsMemory() {
        Pool pool = new Pool();
        MemorySegment m = pool.allocate(8, 8);
        pool.close();
        assertThrows(IllegalStateException.class, () -> m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
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
