package io.sendchain.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.testkit.RecordingFilter;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The thread-pool file reader's queue waits as the flight recorder sees them ({@code sendchain.ThreadPoolWait}). */
@Timeout(60)
class ThreadPoolWaitRecordedTest {

    @TempDir
    Path dir;

    @Test
    void everyQueuedReadIsRecordedWithItsSizeWhenItStarts() throws IOException {
        Pool pool = new Pool();
        OutputChainContext ctx = new OutputChainContext(pool, new RecordingFilter()).bufs(2, 4096);
        Queue<Runnable> tasks = new ArrayDeque<>();
        ctx.readHook(new ThreadPoolFileReader(tasks::add), () -> { });
        Path file = dir.resolve("rec.jfr");
        try (FileRef f = TestFiles.patternRef(dir, "f", 10_000); Recording r = new Recording()) {
            r.enable("sendchain.ThreadPoolWait").withThreshold(Duration.ZERO);
            r.start();
            ctx.output(Chain.of(Buf.ofFile(f, 0, 10_000)));
            while (!tasks.isEmpty()) {
                tasks.poll().run(); // the "pool thread" is this one: the wait is from the hand-off to here
                ctx.aio(false);
                ctx.output(null);
            }
            r.stop();
            r.dump(file);
        } finally {
            pool.close();
        }
        List<RecordedEvent> waits = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("sendchain.ThreadPoolWait")).toList();
        assertEquals(3, waits.size(), "10000 bytes through 4096-byte copies: three reads");
        assertTrue(waits.stream().allMatch(e -> e.getString("task").equals("file read")));
        assertEquals(10_000, waits.stream().mapToLong(e -> e.getLong("bytes")).sum());
        assertTrue(waits.stream().noneMatch(e -> e.getDuration().isNegative()));
    }
}
