package io.sendchain.examples.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** HTTP dates (RFC 9110 IMF-fixdate): formatting, parsing, and a per-loop cache of the current one. */
final class HttpDate {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private long cachedSecond = Long.MIN_VALUE;
    private String cached;
    private final java.util.HashMap<Long, String> lastModified = new java.util.HashMap<>();

    /** The current date, formatted at most once per second (nginx's cached time strings). */
    String now(long epochMillis) {
        long second = epochMillis / 1000;
        if (second != cachedSecond) {
            cachedSecond = second;
            cached = format(second);
        }
        return cached;
    }

    /** {@code epochSecond} formatted, from a small per-worker cache (files are served again and again). */
    String lastModified(long epochSecond) {
        String s = lastModified.get(epochSecond);
        if (s == null) {
            if (lastModified.size() >= 1024) {
                lastModified.clear();
            }
            s = format(epochSecond);
            lastModified.put(epochSecond, s);
        }
        return s;
    }

    static String format(long epochSecond) {
        return FORMAT.format(Instant.ofEpochSecond(epochSecond));
    }

    /** Seconds since the epoch, or -1 if {@code s} is not an HTTP date. */
    static long parse(String s) {
        try {
            return ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
