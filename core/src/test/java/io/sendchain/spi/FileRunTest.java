package io.sendchain.spi;

import io.sendchain.buf.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileRun.coalesce: nginx's ngx_chain_coalesce_file. */
class FileRunTest {

    @TempDir
    Path dir;
    private FileRef a;
    private FileRef b;
    private final FileRun run = new FileRun(4096);

    @BeforeEach
    void open() throws IOException {
        a = TestFiles.patternRef(dir, "a", 100_000);
        b = TestFiles.patternRef(dir, "b", 100_000);
    }

    @AfterEach
    void close() throws IOException {
        a.close();
        b.close();
    }

    @Test
    void contiguousBufsOfOneFileFormOneRun() {
        Chain in = Chain.of(Buf.ofFile(a, 0, 100), Buf.ofFile(a, 100, 5000), Buf.ofFile(a, 5000, 5001));
        assertEquals(5001, run.coalesce(in, Long.MAX_VALUE));
        assertNull(run.next());
        assertSame(in.buf(), run.first());
    }

    @Test
    void clearForgetsTheBufsOfTheRun() {
        Chain in = new Chain().buf(Buf.ofFile(a, 0, 100)).next(Chain.of(Buf.ofFile(b, 0, 100)));
        run.coalesce(in, Long.MAX_VALUE);
        run.clear();
        assertNull(run.first());
        assertNull(run.next());
        assertEquals(0, run.size());
    }

    @Test
    void aGapEndsTheRun() {
        Chain second = Chain.of(Buf.ofFile(a, 101, 200));
        Chain in = new Chain().buf(Buf.ofFile(a, 0, 100)).next(second);
        assertEquals(100, run.coalesce(in, Long.MAX_VALUE));
        assertSame(second, run.next());
    }

    @Test
    void anotherFileEndsTheRun() {
        Chain second = Chain.of(Buf.ofFile(b, 100, 200));
        Chain in = new Chain().buf(Buf.ofFile(a, 0, 100)).next(second);
        assertEquals(100, run.coalesce(in, Long.MAX_VALUE));
        assertSame(second, run.next());
    }

    @Test
    void aMemoryBufEndsTheRun() {
        try (Arena arena = Arena.ofConfined()) {
            Chain mem = Chain.of(Buf.wrap(arena.allocate(5)));
            Chain in = new Chain().buf(Buf.ofFile(a, 0, 100)).next(mem);
            assertEquals(100, run.coalesce(in, Long.MAX_VALUE));
            assertSame(mem, run.next());
        }
    }

    @Test
    void aCutByTheLimitIsRoundedUpToAPageWhenThatStaysInsideTheBuf() {
        Chain in = Chain.of(Buf.ofFile(a, 100, 50_000));
        assertEquals(8192 - 100, run.coalesce(in, 5000), "cut at 5100, rounded up to 8192");
        assertSame(in, run.next(), "the cut buf is where the caller continues");
    }

    @Test
    void aCutThatWouldRoundPastTheBufEndStaysAtTheLimit() {
        Chain in = Chain.of(Buf.ofFile(a, 0, 6000));
        assertEquals(5000, run.coalesce(in, 5000), "8192 is beyond the buf's last byte 6000");
    }

    @Test
    void theRoundedCutMayExceedTheLimitByLessThanAPage() {
        Chain in = Chain.of(Buf.ofFile(a, 0, 4096), Buf.ofFile(a, 4096, 100_000));
        long n = run.coalesce(in, 4097);
        assertEquals(8192, n);
        assertSame(in.next(), run.next());
    }

    @Test
    void aRunThatReachesTheLimitExactlyStopsWithoutLookingFurther() {
        Chain second = Chain.of(Buf.ofFile(a, 4096, 8192));
        Chain in = new Chain().buf(Buf.ofFile(a, 0, 4096)).next(second);
        assertEquals(4096, run.coalesce(in, 4096));
        assertSame(second, run.next());
    }

    @Test
    void coalescingMustStartAtAFileBuf() {
        assertThrows(IllegalArgumentException.class, () -> run.coalesce(Chain.of(Buf.flushBuf()), 10));
    }

    @Test
    void thePageSizeMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new FileRun(3000));
    }
}
