package io.sendchain.internal.jfr;

/**
 * One connection's counters for the flight-recorder events, made only once a sendchain event is recorded (a
 * connection never recorded holds a {@code null} instead): what its send chain did by kind of transfer, what it
 * received, the responses it finished, the last I/O error, and when it joined its loop. Written and read on the
 * connection's loop thread only.
 */
public final class ConnStats {

    /** {@link System#nanoTime()} when the connection joined its loop while recorded; 0 if it was not. */
    long addedNanos;
    long writev;
    long sendfile;
    long copy;
    long calls;
    long eagain;
    long sendChainCalls;
    long received;
    long responses;
    /** The last I/O error met on the connection, or {@code null}. */
    String lastError;

    /**
     * The event of the send-chain call in progress, or the last one if it was not committed (kept to be begun
     * again), or {@code null}.
     */
    private SendChainEvent call;
    private long markSent;
    private long markWritev;
    private long markSendfile;
    private long markCopy;
    private long markCalls;
    private long markEagain;

    /**
     * A send-chain system call of kind {@code kind} ({@link Flight#WRITEV} ...) put {@code bytes} on the socket;
     * {@code again}: it reported EAGAIN.
     */
    public void call(int kind, long bytes, boolean again) {
        calls++;
        if (again) {
            eagain++;
        }
        switch (kind) {
            case Flight.SENDFILE -> sendfile += bytes;
            case Flight.COPY -> copy += bytes;
            default -> writev += bytes;
        }
    }

    /** {@code n} bytes were read. */
    public void received(long n) {
        received += n;
    }

    /** A response's last buf went out. */
    public void responseDone() {
        responses++;
    }

    /** An I/O call on the connection failed with {@code e}'s message ({@code "recv() failed: ..."}). */
    public void error(Throwable e) {
        lastError = e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** The last I/O error met on the connection (its message), or {@code null}. */
    public String lastError() {
        return lastError;
    }

    /** A send-chain call starts; the connection has sent {@code sent} bytes so far. */
    public void begin(long sent) {
        sendChainCalls++;
        markSent = sent;
        markWritev = writev;
        markSendfile = sendfile;
        markCopy = copy;
        markCalls = calls;
        markEagain = eagain;
        SendChainEvent e = null;
        if (Flight.sendChainRecorded()) {
            // an event that was not committed (the call was under the threshold) is begun again: a connection
            // allocates one only per committed event, not per call
            e = call != null ? call : new SendChainEvent();
            e.begin();
        }
        call = e;
    }

    /**
     * The send-chain call begun last ended, having sent up to {@code sent} bytes in all; commits its event if it
     * took the threshold, and adds it to the calling thread's {@link SendStatisticsEvent} counters if those are
     * recorded.
     */
    public void end(long sent, String connection, Object socket, long limit, boolean done) {
        long bytes = sent - markSent;
        long dWritev = writev - markWritev;
        long dSendfile = sendfile - markSendfile;
        long dCopy = copy - markCopy;
        long dCalls = calls - markCalls;
        long dEagain = eagain - markEagain;
        SendChainEvent e = call;
        if (e != null) {
            e.end();
            if (e.shouldCommit()) {
                call = null; // committed: the recorder may still hold it, never touched again
                e.connection = connection;
                e.platform = Flight.platformOf(socket);
                e.limit = limit;
                e.bytes = bytes;
                e.writevBytes = dWritev;
                e.sendfileBytes = dSendfile;
                e.copyBytes = dCopy;
                e.calls = dCalls;
                e.eagain = dEagain;
                e.done = done;
                e.commit();
            }
        }
        if (Flight.statisticsRecorded()) {
            ThreadStats.current().add(bytes, dWritev, dSendfile, dCopy, dCalls, dEagain);
        }
    }
}
