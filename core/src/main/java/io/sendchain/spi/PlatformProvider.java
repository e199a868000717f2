package io.sendchain.spi;

import java.io.IOException;
import java.util.List;

/**
 * Entry point of a platform module, found with {@link java.util.ServiceLoader}: declare it with
 * {@code provides io.sendchain.spi.PlatformProvider with ...} in {@code module-info.java} <em>and</em> in
 * {@code META-INF/services/io.sendchain.spi.PlatformProvider}, so both the module path and the class path
 * find it.
 *
 * <p>A provider must have a public no-argument constructor that does no I/O: discovery instantiates every
 * provider to list it. {@link #probe()} decides whether it can work here; it may make one probing system call
 * and should cache its answer.
 */
public interface PlatformProvider {

    /** Short unique name: {@code linux}, {@code generic}; what users pass to choose it. */
    String name();

    /**
     * Higher wins when several are available (ties broken by name; an explicit choice overrides it). sendchain's own:
     * {@code generic} 0, {@code linux}, {@code freebsd}, {@code darwin} 100. For third parties: 100 for an OS none of
     * these covers, 200 to win over a built-in platform on its own OS (io_uring on Linux), 50 for a portable
     * alternative to {@code generic}, a negative number for one that should be used only when named (diagnostics).
     */
    int priority();

    /** Whether this provider works here, and why (or why not). */
    Availability probe();

    /**
     * The options this provider's platform reads, each declared once as a constant (its own, or one of
     * {@link StandardPlatformOptions}). The registry refuses a config that sets any other option for this platform,
     * so an option not listed here cannot be set. None by default.
     */
    default List<PlatformOption<?>> options() {
        return List.of();
    }

    /**
     * Makes the platform. Through the registry ({@link PlatformRegistry#open},
     * {@link PlatformRegistry.Candidate#create}) {@code config} has been checked against {@link #options()}: it
     * sets no other option, and every value set is valid; read them with {@link PlatformConfig#get}.
     *
     * @throws IOException if it cannot be set up (naming what failed)
     */
    Platform create(PlatformConfig config) throws IOException;
}
