package io.sendchain.spi;

import java.util.Objects;

/**
 * The outcome of a provider's probe: usable here or not, and why, in words an operator can act on
 * ("needs Linux; this is Mac OS X", "native access is not enabled: add --enable-native-access=ALL-UNNAMED").
 */
public record Availability(boolean available, String reason) {

    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    public static Availability available(String reason) {
        return new Availability(true, reason);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
