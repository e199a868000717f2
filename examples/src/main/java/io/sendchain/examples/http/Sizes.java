package io.sendchain.examples.http;

import java.util.Locale;

/** Sizes, rates and times written the way nginx's configuration writes them: {@code 4k}, {@code 2m}, {@code 60s}. */
public final class Sizes {

    private Sizes() {
    }

    /**
     * A size: a number of bytes with an optional {@code k}/{@code m}/{@code g} suffix (powers of 1024).
     *
     * @throws IllegalArgumentException naming the value when it is not a size
     */
    public static long size(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            throw new IllegalArgumentException("invalid size \"" + s + "\"");
        }
        long unit = 1;
        char last = v.charAt(v.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> {
            }
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n < 0 || n > Long.MAX_VALUE / unit) {
                throw new IllegalArgumentException("invalid size \"" + s + "\"");
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size \"" + s + "\"", e);
        }
    }

    /**
     * A time in milliseconds: a sum of numbers each followed by {@code ms}, {@code s}, {@code m}, {@code h},
     * {@code d} (nginx's {@code 1m30s}); a bare number means seconds, as in nginx.
     */
    public static long millis(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            throw new IllegalArgumentException("invalid time \"" + s + "\"");
        }
        if (v.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(v) * 1000;
        }
        long total = 0;
        int i = 0;
        while (i < v.length()) {
            int start = i;
            while (i < v.length() && Character.isDigit(v.charAt(i))) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("invalid time \"" + s + "\"");
            }
            long n = Long.parseLong(v.substring(start, i));
            long unit;
            if (v.startsWith("ms", i)) {
                unit = 1;
                i += 2;
            } else if (i < v.length()) {
                unit = switch (v.charAt(i)) {
                    case 's' -> 1000;
                    case 'm' -> 60_000;
                    case 'h' -> 3_600_000;
                    case 'd' -> 86_400_000;
                    default -> throw new IllegalArgumentException("invalid time \"" + s + "\"");
                };
                i++;
            } else {
                throw new IllegalArgumentException("invalid time \"" + s + "\": a unit must follow " + n);
            }
            total += n * unit;
        }
        return total;
    }
}
