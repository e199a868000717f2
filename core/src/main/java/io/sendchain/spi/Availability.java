package io.sendchain.spi;

import java.util.Objects;

/**
 * The outcome of a provider's probe: usable here or not, and why, in words an operator can act on
 * ("needs Linux; this is Mac OS X", "native access is not enabled: add --enable-native-access=ALL-UNNAMED").
 */
public record Availability(boolean available, String reason) {

    /**
     * A probe's outcome.
     *
     * @param available whether the provider works here
     * @param reason    why (or why not), never {@code null}
     */
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** The provider works here, because of {@code reason} ("native access granted, Linux 6.8"). */
    public static Availability available(String reason) {
        return new Availability(true, reason);
    }

    /** The provider cannot work here, because of {@code reason}, in words an operator can act on. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
