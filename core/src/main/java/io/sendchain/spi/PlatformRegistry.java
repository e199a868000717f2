package io.sendchain.spi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform providers found with {@link ServiceLoader}, their probe results, and the choice among them.
 *
 * <p>Choice: an explicit name wins (the config's {@link PlatformConfig#platform()}, else the system property
 * {@value #PROPERTY}); it must be installed and available, or the choice fails saying why. Otherwise the
 * available provider with the highest {@link PlatformProvider#priority()} is chosen, ties broken by name. A
 * provider that fails to load or to probe is logged, listed as unavailable with the error, and skipped. When
 * nothing fits, {@link NoPlatformException} lists every provider and why it was rejected.
 *
 * <p>Providers are instantiated and probed once, when the registry is made; a registry is immutable after that
 * and safe to share.
 */
public final class PlatformRegistry {

    /** System property naming the platform to use. */
    public static final String PROPERTY = "sendchain.platform";

    private static final Logger log = LoggerFactory.getLogger(PlatformRegistry.class);

    private static final Comparator<Candidate> ORDER =
            Comparator.comparingInt(Candidate::priority).reversed().thenComparing(Candidate::name);

    /**
     * A provider as discovery saw it, with the options it declares. {@code provider} is {@code null} when it failed
     * to load.
     */
    public record Candidate(String name, int priority, String source, Availability availability,
            PlatformProvider provider, List<PlatformOption<?>> options) {

        /** Copies {@code options}. */
        public Candidate {
            options = List.copyOf(options);
        }

        /** Whether the probe found the provider usable here. */
        public boolean available() {
            return availability.available();
        }

        /** Whether this platform declares {@code option} (that very constant). */
        public boolean supports(PlatformOption<?> option) {
            return options.contains(option);
        }

        /** This platform's option called {@code name}, if it declares one. */
        public Optional<PlatformOption<?>> option(String name) {
            return options.stream().filter(o -> o.name().equals(name)).findFirst();
        }

        /**
         * Checks {@code config} against this platform's options, then makes the platform.
         *
         * @throws IllegalArgumentException if the config sets an option this platform does not declare (the
         *     message lists those it does) or a value its option refuses (naming the value)
         * @throws IllegalStateException if this provider failed to load
         * @throws IOException if the platform cannot be set up
         */
        public Platform create(PlatformConfig config) throws IOException {
            if (provider == null) {
                throw new IllegalStateException("platform provider " + name + " failed to load: "
                        + availability.reason());
            }
            config.checkAgainst(name, options);
            return provider.create(config);
        }
    }

    /** The outcome of {@link #choose}: the candidate, why it won, and everything that was considered. */
    public record Choice(Candidate chosen, String why, List<Candidate> all) {

        /** The chosen platform's name. */
        public String name() {
            return chosen.name();
        }
    }

    private final List<Candidate> candidates;

    private PlatformRegistry(List<Candidate> candidates) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(ORDER);
        this.candidates = List.copyOf(sorted);
    }

    /**
     * Providers visible to core: on the module path, those in core's module layer (and its parents); on the class
     * path, those the thread's context class loader sees.
     */
    public static PlatformRegistry load() {
        Module module = PlatformRegistry.class.getModule();
        if (module.isNamed() && module.getLayer() != null) {
            return fromLoader(ServiceLoader.load(module.getLayer(), PlatformProvider.class));
        }
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return load(cl != null ? cl : PlatformRegistry.class.getClassLoader());
    }

    /** Providers registered in {@code META-INF/services} visible to {@code loader}. */
    public static PlatformRegistry load(ClassLoader loader) {
        return fromLoader(ServiceLoader.load(PlatformProvider.class, loader));
    }

    /** A registry over given providers (tests, embedding without service files). */
    public static PlatformRegistry of(List<? extends PlatformProvider> providers) {
        List<Candidate> found = new ArrayList<>();
        for (PlatformProvider p : providers) {
            found.add(probe(p));
        }
        return new PlatformRegistry(found);
    }

    private static PlatformRegistry fromLoader(ServiceLoader<PlatformProvider> loader) {
        List<Candidate> found = new ArrayList<>();
        Iterator<ServiceLoader.Provider<PlatformProvider>> it = loader.stream().iterator();
        while (true) {
            ServiceLoader.Provider<PlatformProvider> entry;
            try {
                if (!it.hasNext()) {
                    break;
                }
                entry = it.next();
            } catch (ServiceConfigurationError e) {
                // a bad services entry or a class that cannot be loaded: keep looking
                log.warn("skipping a platform provider that failed to load: {}", e.getMessage());
                found.add(new Candidate("?", Integer.MIN_VALUE, "?", Availability.unavailable(
                        "failed to load: " + e.getMessage()), null, List.of()));
                continue;
            }
            String type = entry.type().getName();
            PlatformProvider provider;
            try {
                provider = entry.get();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                log.warn("skipping platform provider {}: {}", type, e.toString());
                found.add(new Candidate(type, Integer.MIN_VALUE, type,
                        Availability.unavailable("failed to load: " + e), null, List.of()));
                continue;
            }
            if (found.stream().anyMatch(c -> c.provider() != null && c.provider().getClass() == provider.getClass())) {
                continue; // the same jar seen twice (class path and module path)
            }
            found.add(probe(provider));
        }
        return new PlatformRegistry(found);
    }

    private static Candidate probe(PlatformProvider p) {
        String type = p.getClass().getName();
        String name;
        int priority;
        Availability a;
        List<PlatformOption<?>> options;
        try {
            name = Objects.requireNonNull(p.name(), "name()");
            priority = p.priority();
            a = Objects.requireNonNull(p.probe(), "probe()");
            options = checkedOptions(name, Objects.requireNonNull(p.options(), "options()"));
        } catch (RuntimeException | LinkageError e) {
            log.warn("platform provider {} failed its probe: {}", type, e.toString());
            return new Candidate(type, Integer.MIN_VALUE, type, Availability.unavailable("probe failed: " + e), null,
                    List.of());
        }
        return new Candidate(name, priority, type, a, p, options);
    }

    /** A provider's options, refused if two share a name: a config could not say which one it sets. */
    private static List<PlatformOption<?>> checkedOptions(String provider, List<PlatformOption<?>> options) {
        Set<String> names = new HashSet<>();
        for (PlatformOption<?> o : options) {
            if (!names.add(Objects.requireNonNull(o, "option").name())) {
                throw new IllegalArgumentException("platform " + provider + " declares option " + o.name()
                        + " twice");
            }
        }
        return List.copyOf(options);
    }

    /** Every provider found, highest priority first, ties by name. */
    public List<Candidate> candidates() {
        return candidates;
    }

    /**
     * Picks the platform for {@code config}.
     *
     * @throws NoPlatformException if the explicit choice is not installed or not available, or nothing is
     */
    public Choice choose(PlatformConfig config) throws NoPlatformException {
        String explicit = config.platform();
        String via = "the configuration";
        if (explicit == null) {
            explicit = System.getProperty(PROPERTY);
            via = "-D" + PROPERTY;
            if (explicit != null && explicit.isBlank()) {
                explicit = null;
            }
        }
        if (explicit != null) {
            String wanted = explicit.trim().toLowerCase(Locale.ROOT);
            for (Candidate c : candidates) {
                if (c.name().equalsIgnoreCase(wanted)) {
                    if (!c.available()) {
                        throw new NoPlatformException("platform \"" + c.name() + "\" (chosen by " + via
                                + ") is not available: " + c.availability().reason() + "\n" + describe(null));
                    }
                    return new Choice(c, "chosen by " + via, candidates);
                }
            }
            throw new NoPlatformException("platform \"" + explicit + "\" (chosen by " + via
                    + ") is not installed\n" + describe(null));
        }
        Candidate best = null;
        boolean tie = false;
        for (Candidate c : candidates) {
            if (!c.available()) {
                continue;
            }
            if (best == null) {
                best = c;
            } else if (c.priority() == best.priority()) {
                tie = true;
            }
        }
        if (best == null) {
            throw new NoPlatformException("no platform is available\n" + describe(null));
        }
        String why = "highest priority available (" + best.priority() + ")"
                + (tie ? ", tie broken by name" : "");
        return new Choice(best, why, candidates);
    }

    /**
     * Chooses and creates the platform for {@code config}.
     *
     * @throws IllegalArgumentException if the config sets an option the chosen platform does not declare, or a
     *     value its option refuses ({@link Candidate#create})
     */
    public Platform open(PlatformConfig config) throws IOException {
        Choice choice = choose(config);
        log.debug("platform {}: {}", choice.name(), choice.why());
        return choice.chosen().create(config);
    }

    /**
     * Adopts a connected {@link java.nio.channels.SocketChannel} with the platform chosen for {@code config};
     * if that platform cannot use it (for example the JVM does not let it reach the descriptor), logs why and
     * adopts it with the {@code generic} platform instead, when that one is installed.
     *
     * @return the socket and the platform that adopted it (the caller closes the platform when done)
     * @throws IOException if no platform can adopt the channel, with every reason
     */
    public Adopted adopt(java.nio.channels.SocketChannel channel, PlatformConfig config) throws IOException {
        Platform first = open(config);
        try {
            return new Adopted(first, first.adopt(channel));
        } catch (IOException e) {
            first.close();
            if (first.name().equals("generic")) {
                throw e;
            }
            log.warn("{}; using the generic platform for it", e.getMessage());
            Platform generic;
            try {
                generic = open(config.withPlatform("generic"));
            } catch (NoPlatformException none) {
                e.addSuppressed(none);
                throw e;
            }
            return new Adopted(generic, generic.adopt(channel));
        }
    }

    /** A channel taken over by a platform. */
    public record Adopted(Platform platform, io.sendchain.event.StreamSocket socket) {
    }

    /**
     * Each provider's options, one per line under the provider's name: name, what a valid value is, the default
     * and what the option does. A provider without options says so.
     */
    public String describeOptions() {
        StringBuilder sb = new StringBuilder();
        for (Candidate c : candidates) {
            if (c.options().isEmpty()) {
                sb.append(c.name()).append(": no options\n");
                continue;
            }
            sb.append(c.name()).append(" options:\n");
            int nw = 0;
            int kw = 0;
            for (PlatformOption<?> o : c.options()) {
                nw = Math.max(nw, o.name().length());
                kw = Math.max(kw, kindAndDefault(o).length());
            }
            for (PlatformOption<?> o : c.options()) {
                sb.append(String.format(Locale.ROOT, "  %-" + nw + "s  %-" + kw + "s  %s%n", o.name(),
                        kindAndDefault(o), o.description()));
            }
        }
        return sb.toString();
    }

    private static <T> String kindAndDefault(PlatformOption<T> o) {
        return o.kind() + ", default " + o.format(o.defaultValue());
    }

    /**
     * A table of every provider: name, priority, status ({@code selected}, {@code available},
     * {@code unavailable}) and reason. {@code choice} marks the selected one; {@code null} marks none.
     */
    public String describe(Choice choice) {
        int w = "platform".length();
        for (Candidate c : candidates) {
            w = Math.max(w, c.name().length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %8s  %-11s  %s%n", "platform", "priority", "status",
                "reason"));
        for (Candidate c : candidates) {
            String status = choice != null && choice.chosen() == c ? "selected"
                    : c.available() ? "available" : "unavailable";
            String prio = c.priority() == Integer.MIN_VALUE ? "-" : Integer.toString(c.priority());
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %8s  %-11s  %s%n", c.name(), prio, status,
                    c.availability().reason()));
        }
        if (candidates.isEmpty()) {
            sb.append("(no platform provider found: put a sendchain platform module on the class or module path)\n");
        }
        if (choice != null) {
            sb.append("selected ").append(choice.name()).append(": ").append(choice.why()).append('\n');
        }
        return sb.toString();
    }
}
