package io.sendchain.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.sendchain.event.Connection;
import io.sendchain.spi.Errno;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.internal.EventAccess;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Acceptor: nginx's accept policy (pause on EMFILE, skip aborted connections, retry, rate-limited log). */
@Timeout(60)
class AcceptorTest {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private final ScriptedDriver driver = new ScriptedDriver();
    private final EventLoop loop = new EventLoop("acceptor-test", driver);
    private final ScriptedListener socket = new ScriptedListener();
    private final Connection lc = new Connection("listener", socket);
    private final BlockingQueue<StreamSocket> handed = new LinkedBlockingQueue<>();
    private final List<String> reports = Collections.synchronizedList(new ArrayList<>());

    /** A listening socket whose accept() outcomes the test scripts: a socket, an exception, or EAGAIN when empty. */
    private static final class ScriptedListener implements ListenSocket {
        final ConcurrentLinkedQueue<Object> script = new ConcurrentLinkedQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean closed;

        void then(Object... outcomes) {
            Collections.addAll(script, outcomes);
        }

        @Override
        public StreamSocket accept(Connection c) throws IOException {
            calls.incrementAndGet();
            Object o = script.poll();
            if (o == null) {
                DriverEvents.ready(c.read(), false);
                return null;
            }
            if (o instanceof IOException e) {
                throw e;
            }
            if (o instanceof RuntimeException e) {
                throw e;
            }
            return (StreamSocket) o;
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static ErrnoException error(Errno kind, int errno, String text) {
        return new ErrnoException("accept4", errno, kind, text);
    }

    private static ErrnoException emfile() {
        return error(Errno.EMFILE, 24, "Too many open files");
    }

    private static ErrnoException aborted() {
        return error(Errno.ECONNABORTED, 103, "Software caused connection abort");
    }

    private static StreamSocket client(String name) {
        return mock(StreamSocket.class, name);
    }

    @BeforeEach
    void startLoop() {
        loop.start();
    }

    @AfterEach
    void stopLoop() throws InterruptedException {
        loop.stop();
        assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS), "the loop stopped");
    }

    private Acceptor start(Acceptor.Settings settings, Acceptor.Handler handler) throws Exception {
        Acceptor a = new Acceptor(loop, lc, handler, settings);
        a.reports((message, t) -> reports.add(message));
        onLoop(() -> {
            try {
                a.start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(driver.registered.contains(lc));
        return a;
    }

    private Acceptor start(Acceptor.Settings settings) throws Exception {
        return start(settings, handed::add);
    }

    /** Runs {@code task} on the loop thread and waits for it. */
    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException | AssertionError e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /** Waits until the loop has handled every event reported or posted before this call (see EventLoopTest). */
    private void settle() throws Exception {
        Connection marker = new Connection("marker", new ScriptedListener());
        CompletableFuture<Void> ran = new CompletableFuture<>();
        marker.read().handler(ev -> ran.complete(null));
        loop.execute(() -> loop.post(marker.read()));
        ran.get(10, TimeUnit.SECONDS);
    }

    /** Makes the listener's armed timer fire in the next cycle, as if its delay had passed. */
    private void expireTimerNow() throws Exception {
        onLoop(() -> {
            assertTrue(lc.read().timerSet(), "a timer is armed");
            loop.addTimer(lc.read(), 0);
        });
    }

    @Test
    void emfilePausesAcceptingIgnoresReadinessAndArmsTheListenersTimerForThePause() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 100, 1000));
        socket.then(emfile());
        driver.fire(lc.read());
        settle();
        assertTrue(a.paused());
        assertEquals(1, a.pauses());
        assertEquals(1, a.failures(Errno.EMFILE));
        onLoop(() -> {
            assertTrue(lc.read().timerSet());
            long left = A.timerDeadline(lc.read()) - loop.now();
            assertTrue(left > 59_000 && left <= 60_000, "timer armed for the pause: " + left + " ms");
        });

        StreamSocket pending = client("pending");
        socket.then(pending);
        int calls = socket.calls.get();
        driver.fire(lc.read()); // a connection arrives while paused
        settle();
        assertEquals(calls, socket.calls.get(), "no accept while paused");
        assertTrue(handed.isEmpty());
        assertFalse(lc.closed());
    }

    @Test
    void whenThePauseIsOverTheTimerAcceptsWhatArrivedMeanwhileWithoutAReadinessReport() throws Exception {
        Acceptor a = start(new Acceptor.Settings(50, 100, 1000));
        StreamSocket first = client("first");
        StreamSocket second = client("second");
        socket.then(emfile(), first, second);
        long t0 = System.nanoTime();
        driver.fire(lc.read());
        assertSame(first, handed.poll(10, TimeUnit.SECONDS));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 49, "accepted again only after the pause: " + waited + " ms");
        assertSame(second, handed.poll(10, TimeUnit.SECONDS));
        settle();
        assertFalse(a.paused());
        assertEquals(1, a.pauses());
        assertEquals(2, a.accepted());
        assertEquals(4, socket.calls.get(), "EMFILE, two sockets, EAGAIN");
        onLoop(() -> assertFalse(lc.read().timerSet()));

        StreamSocket later = client("later");
        socket.then(later);
        driver.fire(lc.read());
        assertSame(later, handed.poll(10, TimeUnit.SECONDS), "readiness is acted on again");
    }

    @Test
    void anEmfileMetAgainAfterThePauseStartsAnotherPause() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 100, 1000));
        socket.then(emfile(), emfile());
        driver.fire(lc.read());
        settle();
        expireTimerNow();
        settle();
        assertTrue(a.paused());
        assertEquals(2, a.pauses());
        assertEquals(2, socket.calls.get());
        onLoop(() -> assertTrue(lc.read().timerSet()));
    }

    @Test
    void connectionsAbortedBeforeTheyWereAcceptedAreSkippedAndTheNextIsAcceptedAtOnce() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 60_000, 1000));
        StreamSocket first = client("first");
        StreamSocket second = client("second");
        socket.then(aborted(), first, error(Errno.EPROTO, 71, "Protocol error"), second,
                error(Errno.EPERM, 1, "Operation not permitted"));
        driver.fire(lc.read());
        assertSame(first, handed.poll(10, TimeUnit.SECONDS));
        assertSame(second, handed.poll(10, TimeUnit.SECONDS));
        settle();
        assertEquals(6, socket.calls.get(), "every outcome, then EAGAIN, in one turn");
        assertFalse(a.paused());
        assertEquals(1, a.failures(Errno.ECONNABORTED));
        assertEquals(1, a.failures(Errno.EPROTO));
        assertEquals(1, a.failures(Errno.EPERM));
        onLoop(() -> assertFalse(lc.read().timerSet(), "no retry needed"));
    }

    @Test
    void aPlatformThatKeepsFailingPerConnectionIsRetriedFromTheTimerInsteadOfHoldingTheLoop() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 60_000, 1000));
        for (int i = 0; i < Acceptor.MAX_SKIPPED_IN_A_ROW + 10; i++) {
            socket.then(aborted());
        }
        StreamSocket last = client("last");
        socket.then(last);
        driver.fire(lc.read());
        settle();
        assertEquals(Acceptor.MAX_SKIPPED_IN_A_ROW, socket.calls.get());
        assertTrue(handed.isEmpty());
        expireTimerNow();
        assertSame(last, handed.poll(10, TimeUnit.SECONDS));
        assertEquals(Acceptor.MAX_SKIPPED_IN_A_ROW + 10, a.failures(Errno.ECONNABORTED));
    }

    @Test
    void aHandlerThatThrowsGetsItsSocketClosedAndAcceptingGoesOn() throws Exception {
        StreamSocket bad = client("bad");
        StreamSocket good = client("good");
        StreamSocket later = client("later");
        Acceptor a = start(new Acceptor.Settings(60_000, 60_000, 1000), s -> {
            if (s == bad) {
                throw new IllegalStateException("handler bug");
            }
            if (s == good) {
                throw new IOException("configure failed");
            }
            handed.add(s);
        });
        socket.then(bad, good, later);
        driver.fire(lc.read());
        assertSame(later, handed.poll(10, TimeUnit.SECONDS));
        settle();
        verify(bad).close();
        verify(good).close();
        verify(later, never()).close();
        assertEquals(2, a.handlerFailures());
        assertEquals(3, a.accepted());
        assertFalse(lc.closed(), "the listener survives its handler's failures");
        assertTrue(driver.registered.contains(lc));

        StreamSocket next = client("next");
        socket.then(next);
        driver.fire(lc.read());
        assertSame(next, handed.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void enobufsRetriesFromAShortTimerWithoutPausing() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 30, 1000));
        StreamSocket s = client("s");
        socket.then(error(Errno.ENOBUFS, 105, "No buffer space available"), s);
        driver.fire(lc.read()); // the only report: the timer must bring the retry
        assertSame(s, handed.poll(10, TimeUnit.SECONDS));
        settle();
        assertFalse(a.paused());
        assertEquals(0, a.pauses());
        assertEquals(1, a.failures(Errno.ENOBUFS));
        assertEquals(3, socket.calls.get());
    }

    @Test
    void anUnknownErrorOrAnUncheckedOneFromTheSocketLeavesTheListenerOpenAndIsRetried() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 60_000, 1000));
        socket.then(new IOException("accept() failed: something new"));
        driver.fire(lc.read());
        settle();
        socket.then(new IllegalStateException("accept4 downcall failed"));
        expireTimerNow();
        settle();
        assertFalse(lc.closed());
        assertEquals(2, a.failures(Errno.OTHER));
        StreamSocket s = client("s");
        socket.then(s);
        expireTimerNow();
        assertSame(s, handed.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void failuresAreLoggedOncePerIntervalAndClassWithTheCountHeldBack() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 20, 10));
        StreamSocket s = client("s");
        // one turn (one loop time): four aborted connections, then ENOBUFS, which retries 20 ms later
        socket.then(aborted(), aborted(), aborted(), aborted(), error(Errno.ENOBUFS, 105, "No buffer space available"),
                aborted(), s);
        driver.fire(lc.read());
        assertSame(s, handed.poll(10, TimeUnit.SECONDS));
        settle();
        assertEquals(5, a.failures(Errno.ECONNABORTED));
        assertEquals(List.of(
                "accept4() failed: Software caused connection abort; accepting the next connection",
                "accept4() failed: No buffer space available; accepting on listener again within 20 ms",
                "accept4() failed: Software caused connection abort; accepting the next connection"
                        + " (3 more since the last report)"), reports);
        onLoop(() -> assertEquals(0, a.suppressed(Errno.ECONNABORTED)));
    }

    @Test
    void emfileIsReportedWithTheListenerAndThePause() throws Exception {
        start(new Acceptor.Settings(500, 100, 1000));
        socket.then(emfile());
        driver.fire(lc.read());
        settle();
        assertEquals(List.of("accept4() failed: Too many open files; not accepting on listener for 500 ms"), reports);
    }

    @Test
    void closeClosesTheListenerAndForgetsItsTimer() throws Exception {
        Acceptor a = start(new Acceptor.Settings(60_000, 100, 1000));
        socket.then(emfile());
        driver.fire(lc.read());
        settle();
        onLoop(() -> {
            a.close();
            assertEquals(0, loop.timerCount());
        });
        assertTrue(socket.closed);
        assertFalse(driver.registered.contains(lc));
    }

    @Test
    void onlyAListeningConnectionCanBeAccepted() {
        Connection sink = new Connection("sink", (c, in, limit) -> null);
        assertEquals("not a listening connection: sink", assertThrows(IllegalArgumentException.class,
                () -> new Acceptor(loop, sink, handed::add)).getMessage());
    }

    @Test
    void settingsOutOfRangeAreMisuse() {
        assertEquals("pause < 1 ms: 0",
                assertThrows(IllegalArgumentException.class, () -> new Acceptor.Settings(0, 1, 0)).getMessage());
        assertEquals("retry < 1 ms: 0",
                assertThrows(IllegalArgumentException.class, () -> new Acceptor.Settings(1, 0, 0)).getMessage());
        assertEquals("log interval < 0: -1",
                assertThrows(IllegalArgumentException.class, () -> new Acceptor.Settings(1, 1, -1)).getMessage());
    }
}
