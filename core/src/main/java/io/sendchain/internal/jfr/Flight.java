package io.sendchain.internal.jfr;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * The hooks through which core (and, through {@code io.sendchain.spi.Telemetry}, the platforms) report to the
 * flight recorder ({@code jdk.jfr}). Every hook is guarded so that an event not recorded costs a check and nothing
 * else: no allocation, no clock read. Until a recording starts in the JVM the check is one flag; after, the event's
 * enabled flag too ({@code isEnabled()} of a probe instance).
 *
 * <p>This package depends on no other of core's, so that the packages it observes may call it without a cycle:
 * it takes names, numbers and opaque sockets.
 */
public final class Flight {

    /** Bytes sent from memory ({@code writev}, {@code send}, a gathering write). */
    public static final int WRITEV = 0;
    /** Bytes sent from a file by the kernel ({@code sendfile}, {@code transferTo}). */
    public static final int SENDFILE = 1;
    /** Bytes of a file read into memory and written. */
    public static final int COPY = 2;

    /**
     * The flight recorder was initialized in this JVM (a recording was started, at launch or later through
     * {@code jcmd}): only then can an event be on. Until then no event class is even loaded, since loading the
     * first one initializes JFR's Java side, a fraction of a second a program that never records should not pay.
     */
    private static volatile boolean recorder;

    /** A platform's name, from its socket's class: {@code io.sendchain.platform.linux...} gives {@code linux}. */
    private static final ClassValue<String> PLATFORM = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            String pkg = type.getPackageName();
            String prefix = "io.sendchain.platform.";
            if (pkg.startsWith(prefix)) {
                int end = pkg.indexOf('.', prefix.length());
                return end < 0 ? pkg.substring(prefix.length()) : pkg.substring(prefix.length(), end);
            }
            return type.getName();
        }
    };

    static {
        // called at once if the recorder is initialized already, else when a recording starts
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder r) {
                Probes.init();
                recorder = true;
            }
        });
    }

    /**
     * Event instances that are never committed, only asked whether their class is enabled (cheap, thread-safe),
     * loaded once the recorder is initialized.
     */
    static final class Probes {
        static final SendChainEvent SEND_CHAIN = new SendChainEvent();
        static final SendStatisticsEvent STATISTICS = new SendStatisticsEvent();
        static final ConnectionEvent CONNECTION = new ConnectionEvent();
        static final AcceptPausedEvent ACCEPT_PAUSED = new AcceptPausedEvent();
        static final AcceptResumedEvent ACCEPT_RESUMED = new AcceptResumedEvent();
        static final TempFileWriteEvent TEMP_FILE_WRITE = new TempFileWriteEvent();
        static final ThreadPoolWaitEvent POOL_WAIT = new ThreadPoolWaitEvent();

        static {
            FlightRecorder.addPeriodicEvent(SendStatisticsEvent.class, ThreadStats::emitAll);
        }

        private Probes() {
        }

        /** Loads the probes (and registers the periodic hook) once. */
        static void init() {
        }
    }

    private Flight() {
    }

    // ---------------------------------------------------------------- send chain and connections

    /** Whether a send-chain call is to be counted: its own event, the statistics or the connection event is on. */
    public static boolean sendRecorded() {
        return recorder && (Probes.SEND_CHAIN.isEnabled() || Probes.STATISTICS.isEnabled()
                || Probes.CONNECTION.isEnabled());
    }

    /** Whether send-chain calls get their own events. */
    static boolean sendChainRecorded() {
        return recorder && Probes.SEND_CHAIN.isEnabled();
    }

    /** Whether the per-thread send statistics are recorded. */
    static boolean statisticsRecorded() {
        return recorder && Probes.STATISTICS.isEnabled();
    }

    /** Whether closed connections are recorded. */
    public static boolean connectionRecorded() {
        return recorder && Probes.CONNECTION.isEnabled();
    }

    /** Counters for a connection joining its loop now. */
    public static ConnStats added() {
        ConnStats s = new ConnStats();
        s.addedNanos = System.nanoTime();
        return s;
    }

    /** Counters for a connection first seen sending while recorded (its start unknown). */
    public static ConnStats seen() {
        return new ConnStats();
    }

    /**
     * A connection was closed; commits its event if recorded.
     *
     * @param stats  its counters, or {@code null} if it was never recorded
     * @param socket its platform socket, for the platform's name, or {@code null}
     */
    public static void closed(String connection, Object socket, long sent, ConnStats stats, String reason) {
        if (!connectionRecorded()) {
            return;
        }
        ConnectionEvent e = new ConnectionEvent();
        e.connection = connection;
        e.platform = platformOf(socket);
        e.sent = sent;
        e.reason = reason;
        if (stats != null) {
            if (stats.addedNanos != 0) {
                e.lifetime = System.nanoTime() - stats.addedNanos;
                e.added = System.currentTimeMillis() - e.lifetime / 1_000_000;
            }
            e.received = stats.received;
            e.writevBytes = stats.writev;
            e.sendfileBytes = stats.sendfile;
            e.copyBytes = stats.copy;
            e.sendChainCalls = stats.sendChainCalls;
            e.calls = stats.calls;
            e.eagain = stats.eagain;
            e.responses = stats.responses;
            e.error = stats.lastError;
        }
        e.commit();
    }

    /** The platform's name for a socket of class {@code socket.getClass()}; {@code "none"} for {@code null}. */
    static String platformOf(Object socket) {
        return socket == null ? "none" : PLATFORM.get(socket.getClass());
    }

    // ---------------------------------------------------------------- accepting

    /** An acceptor stopped accepting for {@code delayMillis} at most after an error of class {@code errno}. */
    public static void acceptPaused(String listener, String errno, String message, long delayMillis) {
        if (!recorder || !Probes.ACCEPT_PAUSED.isEnabled()) {
            return;
        }
        AcceptPausedEvent e = new AcceptPausedEvent();
        e.listener = listener;
        e.errno = errno;
        e.message = message;
        e.delay = delayMillis;
        e.commit();
    }

    /** An acceptor accepts again after standing still {@code stoppedNanos}. */
    public static void acceptResumed(String listener, long stoppedNanos) {
        if (!recorder || !Probes.ACCEPT_RESUMED.isEnabled()) {
            return;
        }
        AcceptResumedEvent e = new AcceptResumedEvent();
        e.listener = listener;
        e.stopped = stoppedNanos;
        e.commit();
    }

    // ---------------------------------------------------------------- event pipe temp file

    /** A temp-file write starts: its event, begun, or {@code null} when not recorded. */
    public static Object beginTempFileWrite() {
        if (!recorder || !Probes.TEMP_FILE_WRITE.isEnabled()) {
            return null;
        }
        TempFileWriteEvent e = new TempFileWriteEvent();
        e.begin();
        return e;
    }

    /** The write begun with {@code token} ({@code null}: not recorded) wrote {@code bytes} at {@code offset}. */
    public static void endTempFileWrite(Object token, boolean created, long bytes, long offset) {
        if (token != null && token instanceof TempFileWriteEvent e) { // null first: no class to resolve
            e.end();
            if (e.shouldCommit()) {
                e.created = created;
                e.bytes = bytes;
                e.offset = offset;
                e.commit();
            }
        }
    }

    // ---------------------------------------------------------------- thread pools

    /** A task is handed to a thread pool: a token for {@link #started}, or {@code null} when not recorded. */
    public static Object queued() {
        if (!recorder || !Probes.POOL_WAIT.isEnabled()) {
            return null;
        }
        ThreadPoolWaitEvent e = new ThreadPoolWaitEvent();
        e.begin();
        return e;
    }

    /**
     * The task queued with {@code token} ({@code null}: not recorded) starts on the calling pool thread: the wait
     * is committed if it took the threshold.
     */
    public static void started(Object token, String task, long bytes) {
        if (token != null && token instanceof ThreadPoolWaitEvent e) { // null first: no class to resolve
            e.end();
            if (e.shouldCommit()) {
                e.task = task;
                e.bytes = bytes;
                e.commit();
            }
        }
    }
}
