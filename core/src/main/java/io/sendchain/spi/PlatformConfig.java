package io.sendchain.spi;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Settings for choosing and creating a platform: an explicit platform name (or none) and named options a
 * platform may read ({@code aio.threads}, ...). Immutable.
 */
public final class PlatformConfig {

    private static final PlatformConfig DEFAULTS = new PlatformConfig(null, Map.of());

    private final String platform;
    private final Map<String, String> options;

    private PlatformConfig(String platform, Map<String, String> options) {
        this.platform = platform;
        this.options = options;
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
        return new PlatformConfig(name, options);
    }

    /** This config with one more option. */
    public PlatformConfig with(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<String, String> copy = new TreeMap<>(options);
        copy.put(key, value);
        return new PlatformConfig(platform, Map.copyOf(copy));
    }

    /** The explicit platform name, or {@code null}. */
    public String platform() {
        return platform;
    }

    public Map<String, String> options() {
        return options;
    }

    /** An integer option, or {@code fallback} when absent. */
    public int intOption(String key, int fallback) {
        String v = options.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be an integer: " + v, e);
        }
    }

    @Override
    public String toString() {
        return "PlatformConfig[platform=" + platform + ", options=" + options + "]";
    }
}
