package io.sendchain.examples.cli;

import static io.sendchain.examples.cli.Cli.N;
import static io.sendchain.examples.cli.Cli.ON_OFF;
import static io.sendchain.examples.cli.Cli.SIZE;
import static io.sendchain.examples.cli.Cli.TIME;

import io.sendchain.examples.http.Demo;
import io.sendchain.examples.http.ServerSettings;
import io.sendchain.examples.http.Sizes;
import io.sendchain.examples.http.StaticConfig;
import io.sendchain.examples.http.StaticServer;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sendchain static}: nginx's static handler on the full pipeline, with nginx's knobs. */
@Command(name = "static", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        header = "Serves files like nginx's static handler.",
        customSynopsis = "sendchain static [--root DIR] [--listen HOST:PORT] [options]",
        description = {"", "Serves DIR (default: the bundled demo site) on HOST:PORT until SIGTERM or Ctrl-C. Sizes, "
                + "rates and times are written as nginx writes them: 4k, 2m, 512k, 60s, 1m30s.", ""})
final class StaticCommand extends ServerCommand {

    private final StaticConfig.Builder cfg = StaticConfig.builder();
    private Path root;
    // nginx's open_file_cache directives come in any order: gathered here, applied when the configuration is built
    private int cacheMax;
    private long cacheInactive;
    private long cacheValid;
    private int cacheMinUses;
    private boolean cacheErrors;
    private long cacheMemory;
    private long cacheMemoryMaxFile;

    @Override
    ServerSettings<?> settings() {
        return cfg;
    }

    @Option(names = "--root", paramLabel = "DIR", description = "directory to serve [the bundled demo site]")
    void root(Path v) {
        root = v;
    }

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "address to listen on (port 0 picks a free one; an IPv6 host in brackets)")
    void listen(String v) {
        cfg.listen(address("--listen", v));
    }

    @Option(names = "--sendfile", paramLabel = ON_OFF, defaultValue = "on",
            description = "send files with sendfile (off: copy through output buffers)")
    void sendfile(OnOff v) {
        cfg.sendfile(v.value());
    }

    @Option(names = "--sendfile-max-chunk", paramLabel = SIZE, defaultValue = "2m",
            description = "most bytes per send call")
    void sendfileMaxChunk(Size v) {
        cfg.sendfileMaxChunk(v.bytes());
    }

    @Option(names = "--output-buffers", paramLabel = "N SIZE", hideParamSyntax = true, defaultValue = "2 32k",
            parameterConsumer = Cli.TwoWords.class, description = "output buffers used when copying")
    void outputBuffers(String v) {
        String[] w = v.split(" ");
        cfg.outputBuffers(Integer.parseInt(w[0]), Size.parse(w[1]).bytes());
    }

    @Option(names = "--aio-threads", paramLabel = N, defaultValue = "0",
            description = "thread pool for sendfile and file reads, 0 = off")
    void aioThreads(int v) {
        cfg.aioThreads(v);
    }

    @Option(names = "--directio", paramLabel = SIZE, defaultValue = "0",
            description = "read files at least this big with O_DIRECT, 0 = off")
    void directio(Size v) {
        cfg.directio(v.bytes());
    }

    @Option(names = "--limit-rate", paramLabel = "RATE", defaultValue = "0",
            description = "bytes per second per response, 0 = no limit")
    void limitRate(Size v) {
        cfg.limitRate(v.bytes());
    }

    @Option(names = "--limit-rate-after", paramLabel = SIZE, defaultValue = "0",
            description = "bytes sent at full speed first")
    void limitRateAfter(Size v) {
        cfg.limitRateAfter(v.bytes());
    }

    @Option(names = "--lingering-time", paramLabel = TIME, defaultValue = "30s",
            description = "most time to discard the rest of a body after the answer")
    void lingeringTime(Time v) {
        cfg.lingeringTimeMillis(v.millis());
    }

    @Option(names = "--lingering-timeout", paramLabel = TIME, defaultValue = "5s",
            description = "longest wait for more of a body being discarded")
    void lingeringTimeout(Time v) {
        cfg.lingeringTimeoutMillis(v.millis());
    }

    @Option(names = "--tcp-nopush", paramLabel = ON_OFF, defaultValue = "on",
            description = "cork a header in front of a file")
    void tcpNopush(OnOff v) {
        cfg.tcpNopush(v.value());
    }

    @Option(names = "--tcp-nopush-skip", paramLabel = "FROM-TO", defaultValue = "64k-1m",
            description = "send bodies between FROM and TO uncorked (0-0: cork all)")
    void tcpNopushSkip(String v) {
        int dash = v.indexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("--tcp-nopush-skip takes FROM-TO, not \"" + v + "\"");
        }
        cfg.corkSkip(Sizes.size(v.substring(0, dash)), Sizes.size(v.substring(dash + 1)));
    }

    @Option(names = "--msg-more-max", paramLabel = SIZE, defaultValue = "64k", description = "Linux: a header "
            + "before a body of at most SIZE goes with MSG_MORE, not between TCP_CORK on and off (0: always cork)")
    void msgMoreMax(Size v) {
        cfg.msgMoreMax(v.bytes());
    }

    @Option(names = "--tcp-nodelay", paramLabel = ON_OFF, defaultValue = "on",
            description = "TCP_NODELAY on client connections")
    void tcpNodelay(OnOff v) {
        cfg.tcpNodelay(v.value());
    }

    @Option(names = "--symlinks-outside-root", paramLabel = ON_OFF, defaultValue = "off",
            description = "follow symbolic links that leave the root")
    void symlinksOutsideRoot(OnOff v) {
        cfg.symlinksOutsideRoot(v.value());
    }

    @Option(names = "--open-file-cache", paramLabel = "max=N [inactive=TIME] | off", hideParamSyntax = true,
            defaultValue = "off", parameterConsumer = Cli.OpenFileCacheWords.class, description = "as in nginx "
            + "(\"max=N,inactive=TIME\" too): per worker, keep the lookups of up to N paths and one open descriptor "
            + "per file, shared by its responses; inactive [60s] drops unused ones")
    void openFileCache(String v) {
        cacheMax = 0;
        cacheInactive = 60_000;
        if (v.equals("off")) {
            return;
        }
        for (String part : v.split("[ ,]+")) {
            if (part.startsWith("max=")) {
                cacheMax = Integer.parseInt(part.substring(4));
            } else if (part.startsWith("inactive=")) {
                cacheInactive = Sizes.millis(part.substring(9));
            } else {
                throw new IllegalArgumentException("--open-file-cache takes max=N [inactive=TIME] or off, not \""
                        + v + "\"");
            }
        }
        if (cacheMax <= 0) {
            throw new IllegalArgumentException("--open-file-cache needs max=N with N > 0: \"" + v + "\"");
        }
    }

    @Option(names = "--open-file-cache-valid", paramLabel = TIME, defaultValue = "60s",
            description = "trust a cached lookup this long, then look again")
    void openFileCacheValid(Time v) {
        cacheValid = v.millis();
    }

    @Option(names = "--open-file-cache-min-uses", paramLabel = N, defaultValue = "1",
            description = "requests for a path (within inactive) before its descriptor is kept")
    void openFileCacheMinUses(int v) {
        cacheMinUses = v;
    }

    @Option(names = "--open-file-cache-errors", paramLabel = ON_OFF, defaultValue = "off",
            description = "cache \"not found\" and \"forbidden\" too")
    void openFileCacheErrors(OnOff v) {
        cacheErrors = v.value();
    }

    @Option(names = "--open-file-cache-memory", paramLabel = SIZE, defaultValue = "0",
            description = "per worker, keep the contents of small cached files in memory, up to SIZE in all, and "
                    + "send head and body in one call (0: off)")
    void openFileCacheMemory(Size v) {
        cacheMemory = v.bytes();
    }

    @Option(names = "--open-file-cache-memory-max-file", paramLabel = SIZE, defaultValue = "16k",
            description = "the largest file kept in memory")
    void openFileCacheMemoryMaxFile(Size v) {
        cacheMemoryMaxFile = v.bytes();
    }

    /** The configuration the options make, serving {@code dir}; a check that fails is a usage error. */
    StaticConfig config(Path dir) {
        try {
            return cfg.openFileCache(cacheMax == 0 ? null
                    : new StaticConfig.FileCache(cacheMax, cacheInactive, cacheValid, cacheMinUses, cacheErrors,
                            cacheMemory, cacheMemoryMaxFile))
                    .root(dir).build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage(), e);
        }
    }

    /** {@code --root}, or {@code null} for the demo site. */
    Path root() {
        return root;
    }

    @Override
    public Integer call() throws IOException {
        config(Path.of(".")); // the usage errors first, before the demo site is unpacked
        Path demo = null;
        Path dir = root;
        if (dir == null) {
            demo = Demo.extract();
            dir = demo;
        }
        Path cleanup = demo;
        Runnable deleteDemo = () -> {
            if (cleanup != null) {
                try {
                    Demo.delete(cleanup);
                } catch (IOException e) {
                    // best effort on the way out
                }
            }
        };
        boolean serving = false;
        try {
            if (!Files.isDirectory(dir)) {
                throw usage("--root " + dir + " is not a directory", null);
            }
            StaticConfig config = config(dir.toRealPath());
            StaticServer server = new StaticServer(config);
            InetSocketAddress bound;
            try {
                bound = server.start();
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            PrintWriter out = spec.commandLine().getOut();
            PlatformRegistry.Choice choice = server.platformChoice();
            out.println("sendchain static: serving " + (demo != null ? "the bundled demo site (" + dir + ")" : dir)
                    + " on http://" + Serving.hostPort(bound) + "/");
            out.println("platform " + choice.name() + " (" + choice.why() + "): "
                    + choice.chosen().availability().reason());
            out.println(config.workers() + " worker(s), " + Serving.listeners(server.listeners()) + ", sendfile "
                    + (config.sendfile() ? "on" : "off") + "; SIGTERM or Ctrl-C stops");
            out.flush();
            serving = true;
            return Serving.untilStopped("sendchain static", out, new Serving.Server() {
                @Override
                public boolean shutdown(long timeoutMillis) throws InterruptedException {
                    return server.shutdown(timeoutMillis);
                }

                @Override
                public int openConnections() {
                    return server.openConnections();
                }
            }, shutdownTimeoutMillis, deleteDemo);
        } finally {
            if (!serving) {
                deleteDemo.run();
            }
        }
    }
}
