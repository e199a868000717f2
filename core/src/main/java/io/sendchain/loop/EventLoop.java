package io.sendchain.loop;

import io.sendchain.buf.SlabAllocator;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.EventHandler;
import io.sendchain.event.ListenSocket;
import io.sendchain.internal.BufAccess;
import io.sendchain.internal.EventAccess;
import io.sendchain.internal.jfr.ConnStats;
import io.sendchain.internal.jfr.Flight;
import io.sendchain.spi.IoDriver;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits for readiness, fires timers and runs posted events: nginx's
 * {@code ngx_process_events_and_timers} loop for one worker.
 *
 * <p>Each cycle:
 * <pre>
 *   tasks from other threads ─┐
 *   posted-next → posted      │   (events posted "for the next cycle" become due)
 *   poll(driver, timeout) ────┤   handlers of ready events run at once (edge-triggered)
 *   expired timers ───────────┤   handler runs with timedOut set; the loop clears it after
 *   posted events ────────────┘   until the queue is empty (events posted meanwhile included)
 * </pre>
 * The poll does not wait when anything is posted or queued; otherwise it waits until the nearest timer.
 *
 * <p>Everything but {@link #execute}, {@link #stop} and {@link #awaitTermination} runs on the loop's thread
 * (or before the loop starts). A handler that throws an unchecked exception gets its connection closed; the loop
 * goes on. {@link #stop} makes the loop close every connection it owns and its driver, then return.
 */
public final class EventLoop implements Executor, Timers {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private final String name;
    private final IoDriver driver;
    private final SlabAllocator memory;
    private final ArrayDeque<Event> posted = new ArrayDeque<>();
    private final ArrayDeque<Event> postedNext = new ArrayDeque<>();
    private final TimerHeap timers = new TimerHeap();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<Connection> connections = new HashSet<>();
    /**
     * Connections adopted with {@link #addDeferred} in this cycle, not yet registered with the driver: those still
     * open when the cycle ends are registered then.
     */
    private final ArrayDeque<Connection> unwatched = new ArrayDeque<>();
    private final Consumer<Event> dispatch = this::dispatch;
    /** What the events of this loop's connections post to ({@link Event#post()}). */
    private final EventAccess.Poster<Event> poster = new Poster();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean stopRequested;
    /** The loop closes its connections because it stops (the flight recorder's close reason). */
    private boolean shuttingDown;
    private volatile Thread thread;
    private long now;
    private long timerSeq;

    /** A loop whose native memory has no bound. */
    public EventLoop(String name, IoDriver driver) {
        this(name, driver, SlabAllocator.forLoop(0));
    }

    /**
     * @param memory the loop's native memory (see {@link #memory()}); the loop closes it when it stops
     */
    public EventLoop(String name, IoDriver driver, SlabAllocator memory) {
        this.name = Objects.requireNonNull(name, "name");
        this.driver = Objects.requireNonNull(driver, "driver");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.now = clock();
    }

    /** The loop's name, also its thread's. */
    public String name() {
        return name;
    }

    /**
     * The loop's native memory: every {@link io.sendchain.buf.Pool} of its connections borrows from it and gives
     * back to it, on the loop's thread. Closed (leaks logged) when the loop stops.
     */
    public SlabAllocator memory() {
        return memory;
    }

    /** Starts the loop on a new thread named after the loop. */
    public Thread start() {
        Thread t = new Thread(this::run, name);
        t.start();
        return t;
    }

    /** Runs the loop on the calling thread until {@link #stop}; then closes every connection and the driver. */
    public void run() {
        if (thread != null) {
            throw new IllegalStateException("event loop " + name + " is already running on " + thread.getName());
        }
        thread = Thread.currentThread();
        BufAccess.bind(memory, thread);
        try {
            while (!stopRequested) {
                runOnce();
            }
        } catch (IOException e) {
            log.error("event loop {} stopped: {}", name, e.toString(), e);
        } finally {
            shutdown();
            terminated.countDown();
        }
    }

    private void runOnce() throws IOException {
        runTasks();
        if (!postedNext.isEmpty()) {
            while (!postedNext.isEmpty()) {
                Event ev = postedNext.poll();
                if (A.posted(ev)) {
                    posted.add(ev);
                }
            }
        }
        long timeout;
        if (!posted.isEmpty() || !tasks.isEmpty() || stopRequested) {
            timeout = 0;
        } else if (timers.isEmpty()) {
            timeout = -1;
        } else {
            timeout = Math.max(0, A.timerDeadline(timers.min()) - clock());
        }
        driver.poll(timeout, dispatch);
        now = clock();
        expireTimers();
        runPosted();
        watchDeferred();
    }

    /** Asks the loop to stop; safe from any thread. The loop closes its connections and driver, then returns. */
    public void stop() {
        stopRequested = true;
        driver.wakeup();
    }

    /** Waits until the loop has stopped; {@code true} if it did within the time. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** The thread running the loop, or {@code null} before it runs. */
    public Thread thread() {
        return thread;
    }

    /** The calling thread is this loop's thread. */
    private boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The loop's clock in milliseconds, read once per cycle (nginx's {@code ngx_current_msec}). */
    @Override
    public long now() {
        return now;
    }

    private static long clock() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    // ---------------------------------------------------------------- connections

    /** Adopts {@code c}: its events post to this loop and its socket is watched. */
    public void add(Connection c) throws IOException {
        posting(c);
        driver.register(c);
        own(c);
    }

    /** {@code c}'s events post to this loop. */
    private void posting(Connection c) {
        A.poster(c.read(), poster);
        A.poster(c.write(), poster);
    }

    /** {@code c} is this loop's: closed when it stops, counted, recorded. */
    private void own(Connection c) {
        connections.add(c);
        if (Flight.connectionRecorded() && A.flight(c) == null) {
            A.flight(c, Flight.added());
        }
    }

    /**
     * Adopts {@code c} as {@link #add} does, but registers its socket with the driver only if it is still open when
     * this cycle ends. Its events start ready, as after nginx's deferred accept, and its read event is posted: the
     * handler set before the posted events run reads at once, and an exchange that is over within the cycle (a
     * request read, its response sent, the connection closed) costs no registration at all — no
     * {@code epoll_ctl}/{@code kevent} to add it and none for the kernel to undo at close. A socket whose request
     * has not arrived yet just meets EAGAIN and is registered at the end of the cycle, which reports it when its
     * bytes come (an edge-triggered registration reports what is already ready).
     */
    public void addDeferred(Connection c) {
        posting(c);
        own(c);
        A.ready(c.read(), true);
        A.ready(c.write(), true);
        unwatched.add(c);
        post(c.read());
    }

    /** Registers the connections {@link #addDeferred} took in this cycle that are still open. */
    private void watchDeferred() {
        Connection c;
        while ((c = unwatched.poll()) != null) {
            if (c.closed()) {
                continue;
            }
            try {
                driver.register(c);
            } catch (IOException | RuntimeException e) {
                log.warn("cannot watch {}: {}", c, e.toString());
                close(c, "watch failed");
            }
        }
    }

    /**
     * Closes {@code c}: forgets its timers and posted events, stops watching it, closes its socket once, then runs
     * its {@linkplain Connection#onClose(Consumer) close action}. Each step runs even when an earlier one fails;
     * errors are logged; closing twice does nothing.
     */
    public void close(Connection c) {
        close(c, null);
    }

    /** {@link #close(Connection)}; {@code reason}, if known here, is the flight recorder's close reason. */
    private void close(Connection c, String reason) {
        if (c.closed()) {
            return;
        }
        if (Flight.connectionRecorded() && !(A.socket(c) instanceof ListenSocket)) {
            Flight.closed(c.name(), A.socket(c), c.sent(), (ConnStats) A.flight(c),
                    reason != null ? reason : closeReason(c));
        }
        forget(c.read());
        forget(c.write());
        connections.remove(c);
        // a deferred connection that never got to the driver leaves it nothing to undo
        if (unwatched.isEmpty() || !unwatched.remove(c)) {
            try {
                driver.forget(c);
            } catch (IOException | RuntimeException e) {
                log.debug("deregistering {} failed: {}", c, e.toString());
            }
        }
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            log.warn("close() of {} failed: {}", c, e.toString());
        }
        Consumer<Connection> action = A.takeOnClose(c);
        if (action != null) {
            try {
                action.accept(c);
            } catch (RuntimeException e) {
                log.error("releasing {} after its close failed", c, e);
            }
        }
    }

    /**
     * Why {@code c} is being closed, as its events' flags tell (for the flight recorder): its timer fired, an I/O
     * call failed (a reset if the error says so), the peer closed its side, or else the owner closed it.
     */
    private String closeReason(Connection c) {
        if (shuttingDown) {
            return "loop stopped";
        }
        Event r = c.read();
        Event w = c.write();
        if (r.timedOut() || w.timedOut()) {
            return "timeout";
        }
        if (r.error() || w.error()) {
            String error = A.flight(c) instanceof ConnStats s ? s.lastError() : null;
            return error != null && (error.contains("reset") || error.contains("Broken pipe")) ? "reset" : "error";
        }
        if (r.eof() || A.pendingEof(r)) {
            return "client EOF";
        }
        return "server close";
    }

    private void forget(Event ev) {
        if (ev.timerSet()) {
            deleteTimer(ev);
        }
        // a posted event is dropped lazily: the queues skip events whose flag is clear
        A.posted(ev, false);
    }

    /** Connections this loop owns. */
    public int connectionCount() {
        return connections.size();
    }

    // ---------------------------------------------------------------- timers

    /** Arms (or re-arms) {@code ev}'s timer to fire in {@code delayMillis}. */
    @Override
    public void addTimer(Event ev, long delayMillis) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("timer delay < 0: " + delayMillis);
        }
        if (ev.timerSet()) {
            timers.remove(ev);
        }
        A.timerDeadline(ev, clock() + delayMillis);
        A.timerSeq(ev, timerSeq++);
        A.timerSet(ev, true);
        timers.add(ev);
    }

    /** Disarms {@code ev}'s timer, if armed. */
    @Override
    public void deleteTimer(Event ev) {
        if (ev.timerSet()) {
            timers.remove(ev);
            A.timerSet(ev, false);
        }
    }

    /** Armed timers. */
    int timerCount() {
        return timers.size();
    }

    private void expireTimers() {
        while (!timers.isEmpty()) {
            Event ev = timers.min();
            if (A.timerDeadline(ev) > now) {
                return;
            }
            timers.remove(ev);
            A.timerSet(ev, false);
            A.timedOut(ev, true);
            handle(ev);
            // nginx's handlers clear ev->timedout themselves; here the loop does, so no handler can forget it
            A.timedOut(ev, false);
        }
    }

    // ---------------------------------------------------------------- posted events

    /** {@link Event#post()} of this loop's events; also for tests in this package, whatever the event's loop. */
    void post(Event ev) {
        if (!A.posted(ev)) {
            A.posted(ev, true);
            posted.add(ev);
        }
    }

    /** {@link Event#postNextCycle()} of this loop's events. */
    void postNext(Event ev) {
        if (!A.posted(ev)) {
            A.posted(ev, true);
            postedNext.add(ev);
        }
    }

    /** The loop's side of {@link Event#post()}, kept off the loop's public face. */
    private final class Poster implements EventAccess.Poster<Event> {

        @Override
        public void post(Event ev) {
            EventLoop.this.post(ev);
        }

        @Override
        public void postNext(Event ev) {
            EventLoop.this.postNext(ev);
        }

        @Override
        public void execute(Runnable task) {
            EventLoop.this.execute(task);
        }
    }

    private void runPosted() {
        Event ev;
        while ((ev = posted.poll()) != null) {
            if (!A.posted(ev)) {
                continue; // deleted after it was posted
            }
            A.posted(ev, false);
            handle(ev);
        }
    }

    // ---------------------------------------------------------------- tasks from other threads

    /**
     * Runs {@code task} on the loop's thread soon; safe from any thread (thread-pool completions use it).
     *
     * @throws RejectedExecutionException once the loop is stopping
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (stopRequested) {
            throw new RejectedExecutionException("event loop " + name + " is stopping");
        }
        tasks.add(task);
        if (!inLoop()) {
            driver.wakeup();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("task on event loop {} failed", name, e);
            }
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(Event ev) {
        handle(ev);
    }

    private void handle(Event ev) {
        Connection c = ev.connection();
        if (c.closed()) {
            return;
        }
        EventHandler h = ev.handler();
        if (h == null) {
            return;
        }
        try {
            h.handle(ev);
        } catch (RuntimeException e) {
            log.error("handler of {} failed; closing the connection", ev, e);
            close(c, "handler failed");
        }
    }

    private void shutdown() {
        shuttingDown = true;
        List<Connection> all = new ArrayList<>(connections);
        for (Connection c : all) {
            close(c);
        }
        runTasks();
        try {
            driver.close();
        } catch (IOException e) {
            log.warn("closing the driver of event loop {} failed: {}", name, e.toString());
        }
        memory.close();
    }
}
