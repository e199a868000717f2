package io.sendchain.spi;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.internal.EventAccess;
import io.sendchain.internal.jfr.ConnStats;
import io.sendchain.internal.jfr.Flight;

/**
 * What a platform tells core's flight-recorder events ({@code jdk.jfr}, category {@code sendchain}) that core cannot
 * see itself: how each system call of a send chain moved bytes, and how long a task waited in an
 * {@code aio threads} pool's queue. Core times the send-chain call, counts the connection's bytes and reads;
 * these calls break the bytes down by kind.
 *
 * <p>Every method costs a check and nothing else while the events are not recorded (no allocation, no clock
 * read), so a send chain calls them unconditionally:
 * <pre>{@code
 * long rc = kernel.writev(fd, iov, n);
 * if (rc >= 0 || rc == -EAGAIN) {
 *     Telemetry.call(c, Telemetry.Transfer.WRITEV, Math.max(rc, 0), rc == -EAGAIN);
 * }
 * }</pre>
 * Send-chain methods are for the connection's loop thread; the pool methods for the loop thread
 * ({@link #queued()}) and the pool thread ({@link #started}).
 */
public final class Telemetry {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    /** How a system call of a send chain moved bytes. */
    public enum Transfer {
        /** From memory: {@code writev}, {@code send}, a gathering write. */
        WRITEV,
        /** From a file, by the kernel: {@code sendfile}, {@code FileChannel.transferTo}. */
        SENDFILE,
        /** From a file read into memory first, then written (no native descriptor for it). */
        COPY
    }

    private Telemetry() {
    }

    /**
     * One system call of {@code c}'s send chain: it put {@code bytes} ({@code >= 0}) on the socket, and
     * {@code again} if it reported that the socket is full (EAGAIN, with or without bytes).
     */
    public static void call(Connection c, Transfer how, long bytes, boolean again) {
        if (A.flight(c) instanceof ConnStats s) {
            s.call(switch (how) {
                case WRITEV -> Flight.WRITEV;
                case SENDFILE -> Flight.SENDFILE;
                case COPY -> Flight.COPY;
            }, bytes, again);
        }
    }

    /**
     * A task is about to be handed to a thread pool: keep the returned token ({@code null} while not recorded)
     * with the task and give it to {@link #started} when the task starts.
     */
    public static Object queued() {
        return Flight.queued();
    }

    /**
     * The task queued with {@code token} starts now, on the calling pool thread; its queue wait is recorded when
     * it took the event's threshold.
     *
     * @param task  what it does ({@code "sendfile"}, {@code "file read"})
     * @param bytes the bytes it was asked to move
     */
    public static void started(Object token, String task, long bytes) {
        Flight.started(token, task, bytes);
    }
}
