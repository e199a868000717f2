package io.sendchain.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;

import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.Errno;
import io.sendchain.spi.ErrnoException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptor's pauses as the flight recorder sees them ({@code sendchain.AcceptPaused} and
 * {@code sendchain.AcceptResumed}), through its own code path with accept failures scripted as a platform reports
 * them: an EMFILE pause ended by the listener's timer, and an ENOBUFS retry delay ended early by a readiness report.
 */
@Timeout(60)
class AcceptorRecordedTest {

    @TempDir
    Path dir;

    private final ScriptedDriver driver = new ScriptedDriver();
    private final EventLoop loop = new EventLoop("acceptor-recorded-test", driver);
    private final ConcurrentLinkedQueue<Object> script = new ConcurrentLinkedQueue<>();
    /**
     * One permit per scripted failure thrown: the test waits for it before acting on the loop, since a fired event
     * is only seen at the loop's next poll, after tasks already queued.
     */
    private final java.util.concurrent.Semaphore failed = new java.util.concurrent.Semaphore(0);
    private final Connection lc = new Connection("recorded-listener", new ListenSocket() {
        @Override
        public StreamSocket accept(Connection c) throws IOException {
            Object o = script.poll();
            if (o == null) {
                DriverEvents.ready(c.read(), false);
                return null;
            }
            if (o instanceof IOException e) {
                failed.release();
                throw e;
            }
            return (StreamSocket) o;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void close() {
        }
    });
    private final BlockingQueue<StreamSocket> handed = new LinkedBlockingQueue<>();

    @AfterEach
    void stopLoop() throws InterruptedException {
        loop.stop();
        assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS), "the loop stopped");
    }

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t); // an assertion on the loop fails the test with its own message
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> all, String type) {
        return all.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    @Test
    void aPauseAndARetryDelayAreEachRecordedWhenTheyStartAndWhenAcceptingResumes() throws Exception {
        loop.start();
        Acceptor a = new Acceptor(loop, lc, handed::add, new Acceptor.Settings(60_000, 60_000, 1000));
        a.reports((message, t) -> { });
        Path file = dir.resolve("rec.jfr");
        try (Recording r = new Recording()) {
            r.enable("sendchain.AcceptPaused");
            r.enable("sendchain.AcceptResumed");
            r.start();
            onLoop(() -> {
                try {
                    a.start();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            // EMFILE: paused for 60 s; the timer made due at once ends the pause and accepts what waited
            StreamSocket first = mock(StreamSocket.class, "first");
            script.add(new ErrnoException("accept4", 24, Errno.EMFILE, "Too many open files"));
            script.add(first);
            driver.fire(lc.read());
            assertTrue(failed.tryAcquire(10, TimeUnit.SECONDS), "the EMFILE was met");
            onLoop(() -> loop.addTimer(lc.read(), 0));
            assertSame(first, handed.poll(10, TimeUnit.SECONDS));
            onLoop(() -> { }); // the accept loop that handed it over is done: the next failure is the fired one's

            // ENOBUFS: a retry within 60 s, but the next readiness report accepts first
            StreamSocket second = mock(StreamSocket.class, "second");
            script.add(new ErrnoException("accept4", 105, Errno.ENOBUFS, "No buffer space available"));
            driver.fire(lc.read());
            assertTrue(failed.tryAcquire(10, TimeUnit.SECONDS), "the ENOBUFS was met");
            onLoop(() -> assertTrue(lc.read().timerSet(), "the retry timer is armed"));
            script.add(second);
            driver.fire(lc.read());
            assertSame(second, handed.poll(10, TimeUnit.SECONDS));
            onLoop(() -> { });
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> all = RecordingFile.readAllEvents(file);
        List<RecordedEvent> paused = named(all, "sendchain.AcceptPaused");
        assertEquals(2, paused.size());
        assertEquals("EMFILE", paused.get(0).getString("errno"));
        assertEquals(60_000, paused.get(0).getDuration("delay").toMillis());
        assertEquals("accept4() failed: Too many open files", paused.get(0).getString("message"));
        assertEquals("ENOBUFS", paused.get(1).getString("errno"));
        assertEquals("recorded-listener", paused.get(1).getString("listener"));
        List<RecordedEvent> resumed = named(all, "sendchain.AcceptResumed");
        assertEquals(2, resumed.size(), "the pause's end and the retry's end");
        assertTrue(resumed.stream().allMatch(e -> e.getDuration("stopped").toMillis() < 60_000),
                "each resumed before its delay: " + resumed);
        assertTrue(resumed.get(0).getStartTime().isAfter(paused.get(0).getStartTime()));
        assertTrue(resumed.get(1).getStartTime().isAfter(paused.get(1).getStartTime()));
    }
}
