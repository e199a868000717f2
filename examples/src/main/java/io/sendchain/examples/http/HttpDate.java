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

    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    private long cachedSecond = Long.MIN_VALUE;
    private String cached;
    private byte[] cachedBytes;
    private long bytesSecond = Long.MIN_VALUE;
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

    /** The current date's bytes, formatted at most once per second: what a response head copies. */
    byte[] nowBytes(long epochMillis) {
        long second = epochMillis / 1000;
        if (second != bytesSecond) {
            bytesSecond = second;
            cachedBytes = now(epochMillis).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        return cachedBytes;
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
        long fixdate = parseFixdate(s);
        if (fixdate >= 0) {
            return fixdate;
        }
        try {
            return ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    /**
     * An IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}, what clients send back from Last-Modified) read
     * without allocating; -1 for any other form (the obsolete ones go through the formatter).
     */
    static long parseFixdate(String s) {
        if (s.length() != 29 || s.charAt(3) != ',' || s.charAt(4) != ' ' || s.charAt(7) != ' '
                || s.charAt(11) != ' ' || s.charAt(16) != ' ' || s.charAt(19) != ':' || s.charAt(22) != ':'
                || !s.startsWith(" GMT", 25)) {
            return -1;
        }
        int day = digits(s, 5, 2);
        int month = -1;
        for (int m = 0; m < 12; m++) {
            if (MONTHS.regionMatches(m * 3, s, 8, 3)) {
                month = m + 1;
            }
        }
        int year = digits(s, 12, 4);
        int hour = digits(s, 17, 2);
        int minute = digits(s, 20, 2);
        int second = digits(s, 23, 2);
        if (day < 1 || day > 31 || month < 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return -1;
        }
        return daysFromCivil(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second;
    }

    private static int digits(String s, int at, int n) {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + c - '0';
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (the era arithmetic of days_from_civil). */
    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = y / 400;
        int yoe = y - era * 400;
        int doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }
}
