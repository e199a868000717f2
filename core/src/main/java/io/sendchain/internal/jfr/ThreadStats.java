package io.sendchain.internal.jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The send counters of one thread (an event loop's) for {@link SendStatisticsEvent}: written only by that thread
 * (opaque stores, plain moves on x86 and ARM), read by the flight recorder's periodic thread (opaque loads: no torn
 * or stale-forever values; a count may land in the next period). Made the first time the thread sends while the
 * statistics are recorded, so a thread that never does so costs nothing.
 *
 * <p>The set of threads is a process-wide registry because the flight recorder's periodic hooks are process-wide;
 * an entry goes once its thread has died and its last counts were emitted.
 */
final class ThreadStats {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int SEND_CHAIN_CALLS = 0;
    private static final int BYTES = 1;
    private static final int WRITEV = 2;
    private static final int SENDFILE = 3;
    private static final int COPY = 4;
    private static final int CALLS = 5;
    private static final int EAGAIN = 6;
    private static final int SLOTS = 7;

    private static final ConcurrentLinkedQueue<ThreadStats> ALL = new ConcurrentLinkedQueue<>();
    private static final ThreadLocal<ThreadStats> CURRENT = ThreadLocal.withInitial(() -> {
        ThreadStats s = new ThreadStats(Thread.currentThread());
        ALL.add(s);
        return s;
    });

    private final WeakReference<Thread> thread;
    private final String name;
    /** The counts so far; the owning thread writes them. */
    private final long[] counts = new long[SLOTS];
    /** The counts at the last event; the periodic thread's own. */
    private final long[] emitted = new long[SLOTS];

    private ThreadStats(Thread t) {
        this.thread = new WeakReference<>(t);
        this.name = t.getName();
    }

    static ThreadStats current() {
        return CURRENT.get();
    }

    /** One send-chain call's figures; owning thread only. */
    void add(long bytes, long writev, long sendfile, long copy, long calls, long eagain) {
        bump(SEND_CHAIN_CALLS, 1);
        bump(BYTES, bytes);
        bump(WRITEV, writev);
        bump(SENDFILE, sendfile);
        bump(COPY, copy);
        bump(CALLS, calls);
        bump(EAGAIN, eagain);
    }

    private void bump(int slot, long n) {
        if (n != 0) {
            SLOT.setOpaque(counts, slot, counts[slot] + n);
        }
    }

    /** The periodic hook: one event per thread that sent since its last one; forgets threads that died. */
    static void emitAll() {
        for (Iterator<ThreadStats> it = ALL.iterator(); it.hasNext(); ) {
            ThreadStats s = it.next();
            boolean alive = s.thread.get() != null && s.thread.get().isAlive();
            s.emit();
            if (!alive) {
                it.remove();
            }
        }
    }

    private void emit() {
        long[] now = new long[SLOTS];
        boolean any = false;
        for (int i = 0; i < SLOTS; i++) {
            now[i] = (long) SLOT.getOpaque(counts, i);
            any |= now[i] != emitted[i];
        }
        if (!any) {
            return;
        }
        SendStatisticsEvent e = new SendStatisticsEvent();
        e.loop = name;
        e.sendChainCalls = now[SEND_CHAIN_CALLS] - emitted[SEND_CHAIN_CALLS];
        e.bytes = now[BYTES] - emitted[BYTES];
        e.writevBytes = now[WRITEV] - emitted[WRITEV];
        e.sendfileBytes = now[SENDFILE] - emitted[SENDFILE];
        e.copyBytes = now[COPY] - emitted[COPY];
        e.calls = now[CALLS] - emitted[CALLS];
        e.eagain = now[EAGAIN] - emitted[EAGAIN];
        e.commit();
        System.arraycopy(now, 0, emitted, 0, SLOTS);
    }
}
