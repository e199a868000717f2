package io.sendchain.testkit;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * What a fault-injecting kernel does at each write-like call (writev, sendfile, transferTo). A platform's test
 * kernel asks {@link #next(long)} before every call and acts on the answer:
 * <ul>
 *   <li>{@link Kind#NONE}: make the real call;</li>
 *   <li>{@link Kind#SHORT}: make the real call with at most {@link Fault#bytes()} of the bytes asked for;</li>
 *   <li>{@link Kind#EAGAIN}: write nothing and report that the call would block;</li>
 *   <li>{@link Kind#EINTR}: write nothing and report the call interrupted by a signal;</li>
 *   <li>{@link Kind#RESET}: fail as the kernel does when the peer reset the connection (ECONNRESET).</li>
 * </ul>
 * A plan is a script (faults in order, then none) or random (seeded, so a failing run replays). Thread-safe:
 * thread-pool sendfile asks from worker threads.
 */
public final class FaultPlan {

    public enum Kind { NONE, SHORT, EAGAIN, EINTR, RESET }

    /** One decision; {@code bytes} is the cap of a {@link Kind#SHORT} call. */
    public record Fault(Kind kind, long bytes) {
        public static final Fault NONE = new Fault(Kind.NONE, 0);
        public static final Fault EAGAIN = new Fault(Kind.EAGAIN, 0);
        public static final Fault EINTR = new Fault(Kind.EINTR, 0);
        public static final Fault RESET = new Fault(Kind.RESET, 0);

        public static Fault shortBy(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("a short call writes at least 1 byte: " + bytes);
            }
            return new Fault(Kind.SHORT, bytes);
        }
    }

    private final ArrayDeque<Fault> script = new ArrayDeque<>();
    private final Random random;
    private final double rate;
    private final Map<Kind, Integer> injected = new EnumMap<>(Kind.class);
    private int calls;

    private FaultPlan(Random random, double rate) {
        this.random = random;
        this.rate = rate;
    }

    /** The real kernel, untouched. */
    public static FaultPlan none() {
        return new FaultPlan(null, 0);
    }

    /** {@code faults} at the first calls, in order; the real kernel afterwards. */
    public static FaultPlan script(Fault... faults) {
        FaultPlan p = new FaultPlan(null, 0);
        for (Fault f : faults) {
            p.script.add(f);
        }
        return p;
    }

    /** At each call, with probability {@code rate}, a short write, EAGAIN or EINTR in equal shares. */
    public static FaultPlan random(long seed, double rate) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("rate must be in [0, 1): " + rate);
        }
        return new FaultPlan(new Random(seed), rate);
    }

    /**
     * The decision for a call that was asked to write {@code wanted} bytes. A scripted short call is capped below
     * {@code wanted}; a random one picks a cap in {@code [1, wanted - 1]}; a call of fewer than 2 bytes is never
     * short.
     */
    public synchronized Fault next(long wanted) {
        calls++;
        Fault f;
        if (!script.isEmpty()) {
            f = script.poll();
        } else if (random != null && random.nextDouble() < rate) {
            f = switch (random.nextInt(3)) {
                case 0 -> wanted >= 2 ? Fault.shortBy(1 + (long) (random.nextDouble() * (wanted - 1))) : Fault.NONE;
                case 1 -> Fault.EAGAIN;
                default -> Fault.EINTR;
            };
        } else {
            f = Fault.NONE;
        }
        if (f.kind() == Kind.SHORT) {
            if (wanted < 2) {
                f = Fault.NONE;
            } else if (f.bytes() >= wanted) {
                f = Fault.shortBy(wanted - 1);
            }
        }
        injected.merge(f.kind(), 1, Integer::sum);
        return f;
    }

    /** How many times {@code kind} was decided. */
    public synchronized int injected(Kind kind) {
        return injected.getOrDefault(kind, 0);
    }

    /** Calls seen. */
    public synchronized int calls() {
        return calls;
    }

    @Override
    public synchronized String toString() {
        return "FaultPlan[calls=" + calls + ", injected=" + injected + "]";
    }
}
