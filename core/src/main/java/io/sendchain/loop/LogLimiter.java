package io.sendchain.loop;

/**
 * At most one report per interval, counting the occurrences it holds back so that the next report can say how
 * many there were: a flood of the same failure (every pending connection meeting EMFILE) becomes one log line per
 * interval instead of one per failure. Times are the event loop's milliseconds. Used on one thread.
 */
final class LogLimiter {

    /** Least time between two reports; {@code 0} reports every occurrence. */
    private final long intervalMillis;
    /** A report was made, at {@link #lastReport}. */
    private boolean reported;
    private long lastReport;
    /** Occurrences held back since the last report. */
    private long suppressed;

    LogLimiter(long intervalMillis) {
        if (intervalMillis < 0) {
            throw new IllegalArgumentException("log interval < 0: " + intervalMillis);
        }
        this.intervalMillis = intervalMillis;
    }

    /**
     * Records an occurrence at {@code now}.
     *
     * @return {@code -1} if it is to be held back; otherwise it is to be reported, and the result is the number of
     *         occurrences held back since the previous report
     */
    long occurred(long now) {
        if (reported && now - lastReport < intervalMillis) {
            suppressed++;
            return -1;
        }
        reported = true;
        lastReport = now;
        long held = suppressed;
        suppressed = 0;
        return held;
    }

    /** Occurrences held back since the last report. */
    long suppressed() {
        return suppressed;
    }
}
