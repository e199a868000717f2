package io.sendchain.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Settings for choosing and creating a platform: an explicit platform name (or none) and the options to give it.
 * Immutable.
 *
 * <p>An option is set typed ({@link #with(PlatformOption, Object)}: the value is checked now) or as text
 * ({@link #with(String, String)}, for command lines: checked once the platform is known). When the registry
 * creates a platform it checks the whole config against the options that platform declares
 * ({@link PlatformProvider#options()}): a name it does not declare, or a value its option refuses, fails with an
 * {@link IllegalArgumentException} that lists the options it knows. A platform reads a value with
 * {@link #get(PlatformOption)}, which gives the option's default when the config does not set it.
 */
public final class PlatformConfig {

    private static final PlatformConfig DEFAULTS = new PlatformConfig(null, Map.of());

    /**
     * One option as set: always its text; {@code option} and {@code value} too when it was set typed, so a
     * platform declaring that very option reads the value without parsing it again.
     */
    private record Setting(String text, PlatformOption<?> option, Object value) {
    }

    private final String platform;
    /** By option name, in name order. */
    private final SortedMap<String, Setting> settings;

    private PlatformConfig(String platform, Map<String, Setting> settings) {
        this.platform = platform;
        this.settings = Collections.unmodifiableSortedMap(new TreeMap<>(settings));
    }

    /** No explicit platform, no options. */
    public static PlatformConfig defaults() {
        return DEFAULTS;
    }

    /** This config with an explicit platform choice ({@code null}: choose automatically). */
    public PlatformConfig withPlatform(String name) {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("platform name is blank");
        }
        return new PlatformConfig(name, settings);
    }

    /**
     * This config with {@code option} set to {@code value} (replacing an earlier setting of that name).
     *
     * @throws IllegalArgumentException naming the option and the value, if the option refuses it
     */
    public <T> PlatformConfig with(PlatformOption<T> option, T value) {
        Objects.requireNonNull(option, "option");
        T v = option.check(value);
        return with(option.name(), new Setting(option.format(v), option, v));
    }

    /**
     * This config with the option called {@code name} set from text ({@code "4"}, {@code "64k"}, {@code "on"}),
     * as a command line gives it. The name and the text are checked when the platform is created.
     */
    public PlatformConfig with(String name, String text) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        if (name.isBlank()) {
            throw new IllegalArgumentException("option name is blank");
        }
        return with(name.trim(), new Setting(text, null, null));
    }

    private PlatformConfig with(String name, Setting s) {
        Map<String, Setting> copy = new LinkedHashMap<>(settings);
        copy.put(name, s);
        return new PlatformConfig(platform, copy);
    }

    /** The explicit platform name, or {@code null}. */
    public String platform() {
        return platform;
    }

    /** The options set, by name, each as text, in name order. */
    public Map<String, String> options() {
        return settings.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().text(),
                (a, b) -> a, TreeMap::new));
    }

    /**
     * The value of {@code option}: the one set, or the option's default.
     *
     * @throws IllegalArgumentException naming the option and the text, if the text set is not a valid value
     */
    public <T> T get(PlatformOption<T> option) {
        Setting s = settings.get(option.name());
        if (s == null) {
            return option.defaultValue();
        }
        if (s.option() == option) {
            return option.type().cast(s.value());
        }
        return option.parse(s.text());
    }

    /**
     * Checks every option set against {@code known}, the options of the platform called {@code platformName}.
     *
     * @throws IllegalArgumentException for the first option not in {@code known} (listing {@code known}), or whose
     *     value its option refuses (naming the value)
     */
    void checkAgainst(String platformName, Collection<? extends PlatformOption<?>> known) {
        for (Map.Entry<String, Setting> e : settings.entrySet()) {
            PlatformOption<?> option = null;
            for (PlatformOption<?> k : known) {
                if (k.name().equals(e.getKey())) {
                    option = k;
                    break;
                }
            }
            if (option == null) {
                throw new IllegalArgumentException("unknown option \"" + e.getKey() + "\" for platform "
                        + platformName + "; known: " + (known.isEmpty() ? "none" : known.stream()
                                .map(PlatformOption::toString).collect(Collectors.joining(", "))));
            }
            try {
                get(option);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(bad.getMessage() + " (platform " + platformName + ": " + option
                        + ")", bad);
            }
        }
    }

    @Override
    public String toString() {
        return "PlatformConfig[platform=" + platform + ", options=" + options() + "]";
    }
}
