package io.sendchain.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** EventLoop: timers, posted events, dispatch, cross-thread tasks and shutdown. */
class EventLoopTest {

    private final ScriptedDriver driver = new ScriptedDriver();
    private final EventLoop loop = new EventLoop("test-loop", driver);

    private boolean started;

    @AfterEach
    void stop() throws InterruptedException {
        loop.stop();
        if (started) {
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS), "the loop stopped");
        }
    }

    private void start() {
        loop.start();
        started = true;
    }

    /** A socket that only counts its closes. */
    private static final class CountingSocket implements ListenSocket {
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public StreamSocket accept(Connection c) {
            return null;
        }

        @Override
        public boolean isOpen() {
            return closes.get() == 0;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private static Connection conn(String name) {
        return new Connection(name, new CountingSocket());
    }

    /** Runs {@code task} on the loop thread and waits for it. */
    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits until the loop has run every event posted or reported before this call. An empty task is not enough:
     * a task queued while the loop is still running tasks runs in the same batch, before the posted events. A
     * marker event posted from a task runs after them, in the order events are posted.
     */
    private void settle() throws Exception {
        Connection marker = conn("marker");
        CompletableFuture<Void> ran = new CompletableFuture<>();
        marker.read().handler(ev -> ran.complete(null));
        loop.execute(() -> loop.post(marker.read()));
        ran.get(10, TimeUnit.SECONDS);
    }

    @Test
    void timersFireInDeadlineOrderWithTimedOutSet() throws Exception {
        start();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch fired = new CountDownLatch(3);
        onLoop(() -> {
            for (int ms : new int[] {30, 10, 20}) {
                Connection c = conn("t" + ms);
                c.read().handler(ev -> {
                    order.add(ev.connection().name() + (ev.timedOut() ? " timed out" : " ?"));
                    fired.countDown();
                });
                loop.addTimer(c.read(), ms);
            }
        });
        assertTrue(fired.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("t10 timed out", "t20 timed out", "t30 timed out"), order);
    }

    @Test
    void aDeletedTimerNeverFiresAndARearmedOneFiresOnce() throws Exception {
        start();
        AtomicInteger deletedFired = new AtomicInteger();
        AtomicInteger rearmedFired = new AtomicInteger();
        CountDownLatch last = new CountDownLatch(1);
        onLoop(() -> {
            Connection a = conn("a");
            a.read().handler(ev -> deletedFired.incrementAndGet());
            loop.addTimer(a.read(), 5);
            loop.deleteTimer(a.read());
            Connection b = conn("b");
            b.read().handler(ev -> rearmedFired.incrementAndGet());
            loop.addTimer(b.read(), 5);
            loop.addTimer(b.read(), 15);
            Connection c = conn("c");
            c.read().handler(ev -> last.countDown());
            loop.addTimer(c.read(), 40);
        });
        assertTrue(last.await(10, TimeUnit.SECONDS));
        onLoop(() -> assertEquals(0, loop.timerCount()));
        assertEquals(0, deletedFired.get());
        assertEquals(1, rearmedFired.get());
    }

    @Test
    void aHandlerRunForATimeoutSeesTimedOutAndTheLoopClearsItWhenTheHandlerReturns() throws Exception {
        start();
        Connection c = conn("c");
        List<Boolean> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch timedOut = new CountDownLatch(1);
        CountDownLatch posted = new CountDownLatch(2);
        c.read().handler(ev -> {
            seen.add(ev.timedOut()); // the handler does not clear it
            timedOut.countDown();
            posted.countDown();
        });
        onLoop(() -> loop.addTimer(c.read(), 1));
        assertTrue(timedOut.await(10, TimeUnit.SECONDS));
        onLoop(() -> {
            assertFalse(c.read().timedOut(), "cleared once the handler returned");
            assertFalse(c.read().timerSet());
            loop.post(c.read());
        });
        assertTrue(posted.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(true, false), seen, "timedOut for the timer's run only, not for a later posted run");
    }

    @Test
    void aHandlerRunsWhenTheDriverReportsItsEventReady() throws Exception {
        start();
        Connection c = conn("c");
        CountDownLatch ran = new CountDownLatch(1);
        c.read().handler(ev -> {
            if (ev.ready()) {
                ran.countDown();
            }
        });
        onLoop(() -> {
            try {
                loop.add(c);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(driver.registered.contains(c));
        driver.fire(c.read());
        assertTrue(ran.await(10, TimeUnit.SECONDS));
    }

    @Test
    void eventsPostedForThisCycleRunBeforeTheNextPollAndNextCycleOnesAfterIt() throws Exception {
        start();
        int[] pollsAt = new int[3];
        CountDownLatch done = new CountDownLatch(2);
        Connection c = conn("c");
        c.read().handler(ev -> {
            pollsAt[0] = driver.polls.get();
            loop.post(c.write());
            loop.postNext(ev);
            c.read().handler(again -> {
                pollsAt[2] = driver.polls.get();
                done.countDown();
            });
        });
        c.write().handler(ev -> {
            pollsAt[1] = driver.polls.get();
            done.countDown();
        });
        onLoop(() -> loop.post(c.read()));
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(pollsAt[0], pollsAt[1], "posted for this cycle: no poll in between");
        assertTrue(pollsAt[2] > pollsAt[0], "posted for the next cycle: after one more poll");
    }

    @Test
    void anEventPostedTwiceRunsOnce() throws Exception {
        start();
        AtomicInteger runs = new AtomicInteger();
        Connection c = conn("c");
        c.write().handler(ev -> runs.incrementAndGet());
        onLoop(() -> {
            loop.post(c.write());
            loop.post(c.write());
        });
        settle();
        assertEquals(1, runs.get());
    }

    @Test
    void aHandlerThatThrowsGetsItsConnectionClosedAndTheLoopGoesOn() throws Exception {
        start();
        CountingSocket socket = new CountingSocket();
        Connection bad = new Connection("bad", socket);
        bad.read().handler(ev -> {
            throw new IllegalStateException("handler bug");
        });
        onLoop(() -> {
            try {
                loop.add(bad);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            loop.post(bad.read());
        });
        settle();
        assertTrue(bad.closed());
        assertEquals(1, socket.closes.get());
        assertFalse(driver.registered.contains(bad));
        CountDownLatch still = new CountDownLatch(1);
        loop.execute(still::countDown);
        assertTrue(still.await(10, TimeUnit.SECONDS), "the loop survived");
    }

    @Test
    void aClosedConnectionsPendingEventsAndTimersAreDropped() throws Exception {
        start();
        AtomicInteger runs = new AtomicInteger();
        Connection c = conn("c");
        c.read().handler(ev -> runs.incrementAndGet());
        c.write().handler(ev -> runs.incrementAndGet());
        onLoop(() -> {
            loop.post(c.read());
            loop.addTimer(c.write(), 1);
            loop.close(c);
            assertEquals(0, loop.timerCount());
        });
        driver.fire(c.read()); // a report racing with the close
        settle();
        assertEquals(0, runs.get());
    }

    @Test
    void stopClosesEveryConnectionAndTheDriver() throws Exception {
        start();
        List<CountingSocket> sockets = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < 3; i++) {
                CountingSocket s = new CountingSocket();
                sockets.add(s);
                try {
                    loop.add(new Connection("c" + i, s));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        loop.stop();
        assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
        for (CountingSocket s : sockets) {
            assertEquals(1, s.closes.get());
        }
        assertTrue(driver.closed);
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> { }));
    }

    @Test
    void aTaskFromAnotherThreadWakesABlockedLoop() throws Exception {
        start();
        onLoop(() -> { }); // the loop is running and will block in poll(-1): no timers, nothing posted
        CountDownLatch ran = new CountDownLatch(1);
        Thread other = new Thread(() -> loop.execute(ran::countDown));
        other.start();
        assertTrue(ran.await(10, TimeUnit.SECONDS));
    }

    @Test
    void negativeTimerDelaysAreMisuse() {
        Event ev = conn("c").read();
        assertEquals("timer delay < 0: -5",
                assertThrows(IllegalArgumentException.class, () -> loop.addTimer(ev, -5)).getMessage());
    }

    /** A deferred connection's handler: what it saw, and whether it closes its connection or leaves it open. */
    private final class FirstRead implements io.sendchain.event.EventHandler {
        final CompletableFuture<Boolean> registeredWhenRun = new CompletableFuture<>();
        final AtomicInteger runs = new AtomicInteger();
        final boolean closeIt;

        FirstRead(boolean closeIt) {
            this.closeIt = closeIt;
        }

        @Override
        public void handle(Event ev) {
            runs.incrementAndGet();
            registeredWhenRun.complete(driver.registered.contains(ev.connection()) && ev.ready());
            if (closeIt) {
                loop.close(ev.connection());
            }
        }
    }

    @Test
    void aDeferredConnectionIsReadInItsCycleAndNeverRegisteredIfClosedThere() throws Exception {
        start();
        Connection c = conn("short");
        FirstRead h = new FirstRead(true);
        c.read().handler(h);
        onLoop(() -> loop.addDeferred(c));
        assertFalse(h.registeredWhenRun.get(10, TimeUnit.SECONDS), "ran ready, before any registration");
        settle();
        assertTrue(c.closed());
        assertFalse(driver.registered.contains(c));
        assertEquals(0, driver.deregisters.get(), "nothing to undo for a connection the driver never had");
        assertEquals(0, loop.connectionCount());
        assertEquals(1, h.runs.get());
    }

    @Test
    void aDeferredConnectionStillOpenWhenItsCycleEndsIsRegisteredOnceAndForgottenAtClose() throws Exception {
        start();
        Connection c = conn("kept");
        FirstRead h = new FirstRead(false);
        c.read().handler(h);
        onLoop(() -> {
            loop.addDeferred(c);
            assertTrue(c.read().ready() && c.write().ready(), "both directions start ready");
        });
        assertFalse(h.registeredWhenRun.get(10, TimeUnit.SECONDS));
        settle();
        assertTrue(driver.registered.contains(c), "registered at the end of the cycle");
        driver.fire(c.read());
        settle();
        assertEquals(2, h.runs.get(), "then reported by the driver like any connection");
        onLoop(() -> loop.close(c));
        assertFalse(driver.registered.contains(c));
        assertEquals(1, driver.deregisters.get());
    }

    @Test
    void aDeferredConnectionTheDriverRefusesIsClosedAndItsCloseActionRuns() throws Exception {
        start();
        driver.refuseRegister = true;
        CountingSocket socket = new CountingSocket();
        Connection c = new Connection("refused", socket);
        c.read().handler(new FirstRead(false));
        CompletableFuture<Connection> closed = new CompletableFuture<>();
        c.onClose(closed::complete);
        onLoop(() -> loop.addDeferred(c));
        assertEquals(c, closed.get(10, TimeUnit.SECONDS));
        settle();
        assertEquals(0, loop.connectionCount());
        assertEquals(1, socket.closes.get());
    }
}
