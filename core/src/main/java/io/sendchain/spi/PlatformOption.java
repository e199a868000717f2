package io.sendchain.spi;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A typed option a platform understands: its name, value type, default, a one-line description, and how a value
 * is parsed from text and checked. A provider lists the ones it reads in {@link PlatformProvider#options()}; a
 * user sets them with {@link PlatformConfig#with(PlatformOption, Object)} (typed) or
 * {@link PlatformConfig#with(String, String)} (text, for command lines), and the registry rejects any option the
 * chosen platform does not declare and any value its option refuses.
 *
 * <p>An option is immutable and compared by identity: declare each one once, as a constant. Its text form
 * ({@link #format}) parses back to the same value.
 *
 * @param <T> the value type
 */
public final class PlatformOption<T> {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]+([.-][a-z0-9]+)*");

    private final String name;
    private final Class<T> type;
    /** What a valid value is, in words: {@code int >= 0}, {@code size}, {@code boolean}. */
    private final String kind;
    private final T defaultValue;
    private final String description;
    /** Text to value; throws {@link IllegalArgumentException} with the reason (no name, no value) when it cannot. */
    private final Function<String, T> parser;
    /** The reason a value is refused, or {@code null} when it is valid. */
    private final Function<T, String> checker;
    private final Function<T, String> formatter;

    private PlatformOption(String name, Class<T> type, String kind, T defaultValue, String description,
            Function<String, T> parser, Function<T, String> checker, Function<T, String> formatter) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("option name must be lower-case words joined by '.' or '-': \""
                    + name + "\"");
        }
        Objects.requireNonNull(description, "description");
        if (description.isBlank()) {
            throw new IllegalArgumentException("option " + name + " has a blank description");
        }
        this.name = name;
        this.type = type;
        this.kind = kind;
        this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
        this.description = description;
        this.parser = parser;
        this.checker = checker;
        this.formatter = formatter;
        String refused = checker.apply(defaultValue);
        if (refused != null) {
            throw new IllegalArgumentException("default of option " + name + " is " + refused + ": "
                    + formatter.apply(defaultValue));
        }
    }

    /** An {@code int} option with a value in {@code min..max}. */
    public static PlatformOption<Integer> ofInt(String name, int min, int max, int defaultValue, String description) {
        if (min > max) {
            throw new IllegalArgumentException("option " + name + ": min > max: " + min + " > " + max);
        }
        String kind = max == Integer.MAX_VALUE ? "int >= " + min : "int " + min + ".." + max;
        return new PlatformOption<>(name, Integer.class, kind, defaultValue, description, text -> {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an int", e);
            }
        }, v -> v < min || v > max ? "not an " + kind : null, v -> Integer.toString(v));
    }

    /**
     * A byte count up to {@code max}, written as nginx writes sizes: a number of bytes, or of kibibytes,
     * mebibytes or gibibytes with {@code k}, {@code m} or {@code g} ({@code 64k}, {@code 2m}).
     */
    public static PlatformOption<Long> ofSize(String name, long max, long defaultValue, String description) {
        if (max < 0) {
            throw new IllegalArgumentException("option " + name + ": max < 0: " + max);
        }
        String kind = max == Long.MAX_VALUE ? "size" : "size <= " + formatSize(max);
        return new PlatformOption<>(name, Long.class, kind, defaultValue, description, PlatformOption::parseSize,
                v -> v < 0 ? "negative" : v > max ? "more than " + formatSize(max) : null,
                PlatformOption::formatSize);
    }

    /** A switch, written {@code true}/{@code false} or, as nginx writes it, {@code on}/{@code off}. */
    public static PlatformOption<Boolean> ofBoolean(String name, boolean defaultValue, String description) {
        return new PlatformOption<>(name, Boolean.class, "boolean", defaultValue, description, text ->
                switch (text.trim().toLowerCase(Locale.ROOT)) {
                    case "true", "on" -> Boolean.TRUE;
                    case "false", "off" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("not a boolean (true, false, on, off)");
                }, v -> null, v -> Boolean.toString(v));
    }

    /** The option's name, as a command line or {@link PlatformConfig#with(String, String)} gives it. */
    public String name() {
        return name;
    }

    /** The value type: {@code Integer.class}, {@code Long.class}, {@code Boolean.class}. */
    public Class<T> type() {
        return type;
    }

    /** What a valid value is, in words: {@code int >= 0}, {@code size}, {@code boolean}. */
    public String kind() {
        return kind;
    }

    /** The value a platform uses when the config does not set this option. */
    public T defaultValue() {
        return defaultValue;
    }

    /** One line: what the option does. */
    public String description() {
        return description;
    }

    /**
     * The value {@code text} stands for.
     *
     * @throws IllegalArgumentException naming the option and the text, when it is not a valid value
     */
    public T parse(String text) {
        Objects.requireNonNull(text, "text");
        T v;
        try {
            v = parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(badValue('"' + text + '"', e.getMessage()), e);
        }
        String refused = checker.apply(v);
        if (refused != null) {
            throw new IllegalArgumentException(badValue('"' + text + '"', refused));
        }
        return v;
    }

    /**
     * {@code value}, if this option accepts it.
     *
     * @throws IllegalArgumentException naming the option and the value, when it does not
     */
    public T check(T value) {
        Objects.requireNonNull(value, () -> "value of option " + name);
        T v = type.cast(value); // a raw-typed caller could pass anything
        String refused = checker.apply(v);
        if (refused != null) {
            throw new IllegalArgumentException(badValue(formatter.apply(v), refused));
        }
        return v;
    }

    /** {@code value} as text that {@link #parse} reads back. */
    public String format(T value) {
        return formatter.apply(type.cast(value));
    }

    private String badValue(String shown, String reason) {
        return "bad value " + shown + " for option " + name + ": " + reason;
    }

    /** {@code name (kind, default value: description)}: how error messages and listings show an option. */
    @Override
    public String toString() {
        return name + " (" + kind + ", default " + format(defaultValue) + ": " + description + ")";
    }

    private static long parseSize(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("not a size (bytes, or a number with k, m or g)");
        }
        int shift = switch (Character.toLowerCase(t.charAt(t.length() - 1))) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size (bytes, or a number with k, m or g)", e);
        }
        if (n > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("too large");
        }
        return n << shift;
    }

    private static String formatSize(long v) {
        if (v != 0 && v % (1L << 30) == 0) {
            return (v >> 30) + "g";
        }
        if (v != 0 && v % (1L << 20) == 0) {
            return (v >> 20) + "m";
        }
        if (v != 0 && v % (1L << 10) == 0) {
            return (v >> 10) + "k";
        }
        return Long.toString(v);
    }
}
