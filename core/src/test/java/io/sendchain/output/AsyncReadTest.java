package io.sendchain.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.testkit.RecordingFilter;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output chain's asynchronous read hook: nginx's thread_handler / ngx_thread_read protocol. */
class AsyncReadTest {

    private final Pool pool = new Pool();
    private final RecordingFilter next = new RecordingFilter();
    private final OutputChainContext ctx = new OutputChainContext(pool, next).bufs(2, 4096);

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void aStartedReadReturnsAgainAndTheRepeatedCallCollectsIt() throws IOException {
        Queue<Runnable> tasks = new ArrayDeque<>();
        int[] done = {0};
        ctx.readHook(new ThreadPoolFileReader(tasks::add), () -> done[0]++);
        try (FileRef f = TestFiles.patternRef(dir, "f", 10_000)) {
            assertEquals(Status.AGAIN, ctx.output(Chain.of(Buf.ofFile(f, 0, 10_000))));
            assertTrue(ctx.aio());
            assertTrue(next.calls().isEmpty(), "nothing can go out before the read");
            assertEquals(Status.AGAIN, ctx.output(null), "blocked while the read is pending");
            assertEquals(1, tasks.size(), "one task in flight for the file");

            int reads = 0;
            while (!tasks.isEmpty()) {
                tasks.poll().run();
                reads++;
                assertEquals(reads, done[0]);
                ctx.aio(false);
                ctx.output(null);
            }
            assertFalse(ctx.aio());
            assertEquals(3, reads, "10000 bytes through 4096-byte copies");
            byte[] want = TestFiles.pattern(10_000);
            assertEquals(new String(want, StandardCharsets.ISO_8859_1), next.allText());
        }
    }

    @Test
    void readsRunOnRealPoolThreadsAndEveryByteArrives() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        LinkedBlockingQueue<Integer> completions = new LinkedBlockingQueue<>();
        ctx.readHook(new ThreadPoolFileReader(pool), () -> completions.add(1));
        try (FileRef f = TestFiles.patternRef(dir, "g", 50_000)) {
            Status rc = ctx.output(Chain.of(Buf.ofFile(f, 7, 50_000).lastBuf(true)));
            while (rc == Status.AGAIN) {
                // the loop thread waits for the completion, as the event loop would for its posted event
                if (completions.poll(10, TimeUnit.SECONDS) == null) {
                    throw new AssertionError("read did not complete");
                }
                ctx.aio(false);
                rc = ctx.output(null);
            }
            assertEquals(Status.OK, rc);
            byte[] want = java.util.Arrays.copyOfRange(TestFiles.pattern(50_000), 7, 50_000);
            assertEquals(new String(want, StandardCharsets.ISO_8859_1), next.allText());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedReadSurfacesOnCollectionNamingTheFile() throws IOException {
        Queue<Runnable> tasks = new ArrayDeque<>();
        ctx.readHook(new ThreadPoolFileReader(tasks::add), () -> { });
        FileRef f = TestFiles.patternRef(dir, "h", 100);
        ctx.output(Chain.of(Buf.ofFile(f, 0, 100)));
        f.close(); // the read will fail: the channel is closed
        tasks.poll().run();
        ctx.aio(false);
        IOException e = assertThrows(IOException.class, () -> ctx.output(null));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void aShortAsyncReadIsTheSameErrorAsAShortSyncRead() throws IOException {
        Queue<Runnable> tasks = new ArrayDeque<>();
        ctx.readHook(new ThreadPoolFileReader(tasks::add), () -> { });
        try (FileRef f = TestFiles.patternRef(dir, "s", 100)) {
            ctx.output(Chain.of(Buf.ofFile(f, 50, 150)));
            tasks.poll().run();
            ctx.aio(false);
            IOException e = assertThrows(IOException.class, () -> ctx.output(null));
            assertEquals("read only 50 of 100 bytes from \"" + f.toString() + "\"", e.getMessage());
        }
    }

    @Test
    void aRejectedTaskIsAnIoErrorNamingTheFile() throws IOException {
        ctx.readHook(new ThreadPoolFileReader(r -> {
            throw new java.util.concurrent.RejectedExecutionException("full");
        }), () -> { });
        try (FileRef f = TestFiles.patternRef(dir, "r", 100)) {
            IOException e = assertThrows(IOException.class, () -> ctx.output(Chain.of(Buf.ofFile(f, 0, 100))));
            assertTrue(e.getMessage().contains("rejected") && e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void aThreadPoolReaderNeedsAnExecutor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileReadHook.threadPool(null));
        assertEquals("executor must not be null", e.getMessage());
    }
}
