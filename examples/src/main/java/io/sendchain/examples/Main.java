package io.sendchain.examples;

import io.sendchain.examples.http.Demo;
import io.sendchain.examples.http.ProxyConfig;
import io.sendchain.examples.http.ReverseProxy;
import io.sendchain.examples.http.ServerSettings;
import io.sendchain.examples.http.Sizes;
import io.sendchain.examples.http.StaticConfig;
import io.sendchain.examples.http.StaticServer;
import io.sendchain.spi.NoPlatformException;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code sendchain} command: {@code static} serves files, {@code platforms} lists the platform providers found
 * on this machine, which one would be selected and why.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "platforms" -> platforms(rest, out, err);
            case "static" -> staticServer(rest, out, err);
            case "proxy" -> proxy(rest, out, err);
            default -> {
                err.println("sendchain: unknown command \"" + args[0] + "\"");
                err.print(usage());
                yield 2;
            }
        };
    }

    private static String usage() {
        return """
                usage: sendchain <command> [options]

                commands:
                  static [options]              serve files like nginx's static handler (--help for options)
                  proxy --upstream HOST:PORT    reverse proxy like nginx's proxy_pass (--help for options)
                  platforms [--platform NAME]   list the platform providers found, which one is selected and why,
                                                and their options
                """;
    }

    private static int platforms(String[] args, PrintStream out, PrintStream err) {
        PlatformConfig config = PlatformConfig.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--platform" -> {
                    if (i + 1 >= args.length) {
                        err.println("sendchain platforms: --platform needs a name");
                        return 2;
                    }
                    config = config.withPlatform(args[++i]);
                }
                case "--help", "-h" -> {
                    out.println("usage: sendchain platforms [--platform NAME]");
                    out.println("Lists every platform provider on the class/module path with its priority, status");
                    out.println("and reason, and the one selected (explicit name, -Dsendchain.platform, or priority);");
                    out.println("then each platform's options with their type, default and meaning.");
                    return 0;
                }
                default -> {
                    err.println("sendchain platforms: unknown option \"" + args[i] + "\"");
                    return 2;
                }
            }
        }
        PlatformRegistry registry = PlatformRegistry.load();
        try {
            out.print(registry.describe(registry.choose(config)));
            out.println();
            out.print(registry.describeOptions());
            return 0;
        } catch (NoPlatformException e) {
            err.println("sendchain: " + e.getMessage());
            return 1;
        }
    }

    private static final String STATIC_HELP = """
            usage: sendchain static [--root DIR] [--listen HOST:PORT] [options]

            Serves DIR (default: the bundled demo site) on HOST:PORT (default 127.0.0.1:8080) until Ctrl-C.
            Sizes, rates and times are written as nginx writes them: 4k, 2m, 512k, 60s, 1m30s.

              --root DIR                  directory to serve
              --listen HOST:PORT          address to listen on (port 0 picks a free one)
              --platform NAME             platform to use (default: the best available; see "sendchain platforms")
              --sendfile on|off           send files with sendfile (off: copy through output buffers) [on]
              --sendfile-max-chunk SIZE   most bytes per send call [2m]
              --output-buffers N SIZE     output buffers used when copying [2 32k]
              --aio-threads N             thread pool for sendfile and file reads, 0 = off [0]
              --directio SIZE             read files at least this big with O_DIRECT, 0 = off [0]
              --limit-rate RATE           bytes per second per response, 0 = no limit [0]
              --limit-rate-after SIZE     bytes sent at full speed first [0]
              --workers N                 event loops [one per core]
              --reuseport on|off          with several workers, a SO_REUSEPORT listener per worker where the
                                          platform balances them (Linux), else one listener for all [on]
              --access-log on|off         log each request through SLF4J (sendchain.access) [off]
              --send-timeout TIME         [60s]
              --keepalive-timeout TIME    [75s]
              --header-timeout TIME       [60s]
              --client-max-body-size SIZE  a request body is discarded (405 for POST, the connection kept);
                                          a longer one gets 413, 0 = no limit [1m]
              --lingering-time TIME       most time to discard the rest of a body after the answer [30s]
              --lingering-timeout TIME    longest wait for more of a body being discarded [5s]
              --client-header-buffer-size SIZE   first buffer for a request head, taken when bytes come [1k]
              --large-client-header-buffers N SIZE  a long head moves to buffers of SIZE, at most N x SIZE;
                                          a request line longer than SIZE: 414 [4 8k]
              --worker-memory SIZE        most native memory one worker keeps for buffers; past it new
                                          connections are closed, 0 = no limit [512m]
              --status on|off             answer GET /.sendchain/status with counters (connections, memory) [off]
              --tcp-nopush on|off         cork a header in front of a file [on]
              --tcp-nopush-skip FROM-TO   send bodies between FROM and TO uncorked (0-0: cork all) [64k-1m]
              --msg-more-max SIZE         Linux: a header before a body of at most SIZE goes with MSG_MORE,
                                          not between TCP_CORK on and off (0: always cork) [64k]
              --tcp-nodelay on|off        TCP_NODELAY on client connections [on]
              --symlinks-outside-root on|off  follow symbolic links that leave the root [off]
              --open-file-cache max=N [inactive=TIME] | off   (as in nginx; "max=N,inactive=TIME" too)
                                          per worker, keep the lookups of up to N paths and one open descriptor
                                          per file, shared by its responses; inactive [60s] drops unused ones [off]
              --open-file-cache-valid TIME  trust a cached lookup this long, then look again [60s]
              --open-file-cache-min-uses N  requests for a path (within inactive) before its descriptor is kept [1]
              --open-file-cache-errors on|off  cache "not found" and "forbidden" too [off]
            """;

    private static int staticServer(String[] args, PrintStream out, PrintStream err) {
        StaticConfig.Builder cfg = StaticConfig.builder();
        Path root = null;
        // nginx's open_file_cache directives come in any order: gathered here, applied after the loop
        int cacheMax = 0;
        long cacheInactive = 60_000;
        long cacheValid = 60_000;
        int cacheMinUses = 1;
        boolean cacheErrors = false;
        try {
            Options o = new Options(args);
            while (o.more()) {
                String opt = o.next();
                switch (opt) {
                    case "--help", "-h" -> {
                        out.print(STATIC_HELP);
                        return 0;
                    }
                    case "--root" -> root = Path.of(o.value(opt));
                    case "--sendfile" -> cfg.sendfile(o.onOff(opt));
                    case "--sendfile-max-chunk" -> cfg.sendfileMaxChunk(Sizes.size(o.value(opt)));
                    case "--output-buffers" -> cfg.outputBuffers(Integer.parseInt(o.value(opt)), Sizes.size(o.value(opt)));
                    case "--aio-threads" -> cfg.aioThreads(Integer.parseInt(o.value(opt)));
                    case "--directio" -> cfg.directio(Sizes.size(o.value(opt)));
                    case "--limit-rate" -> cfg.limitRate(Sizes.size(o.value(opt)));
                    case "--limit-rate-after" -> cfg.limitRateAfter(Sizes.size(o.value(opt)));
                    case "--send-timeout" -> cfg.sendTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--header-timeout" -> cfg.headerTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--lingering-time" -> cfg.lingeringTimeMillis(Sizes.millis(o.value(opt)));
                    case "--lingering-timeout" -> cfg.lingeringTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--tcp-nopush" -> cfg.tcpNopush(o.onOff(opt));
                    case "--msg-more-max" -> cfg.msgMoreMax(Sizes.size(o.value(opt)));
                    case "--tcp-nopush-skip" -> {
                        String v = o.value(opt);
                        int dash = v.indexOf('-');
                        if (dash <= 0) {
                            throw new IllegalArgumentException("--tcp-nopush-skip takes FROM-TO, not \"" + v + "\"");
                        }
                        cfg.corkSkip(Sizes.size(v.substring(0, dash)), Sizes.size(v.substring(dash + 1)));
                    }
                    case "--tcp-nodelay" -> cfg.tcpNodelay(o.onOff(opt));
                    case "--symlinks-outside-root" -> cfg.symlinksOutsideRoot(o.onOff(opt));
                    case "--open-file-cache" -> {
                        String v = o.value(opt);
                        String inactive = o.nextIf("inactive="); // nginx's "max=N inactive=T" as two words
                        if (inactive != null) {
                            v = v + " " + inactive;
                        }
                        cacheMax = 0;
                        if (!v.equals("off")) {
                            for (String part : v.split("[ ,]+")) {
                                if (part.startsWith("max=")) {
                                    cacheMax = Integer.parseInt(part.substring(4));
                                } else if (part.startsWith("inactive=")) {
                                    cacheInactive = Sizes.millis(part.substring(9));
                                } else {
                                    throw new IllegalArgumentException("--open-file-cache takes max=N [inactive=TIME]"
                                            + " or off, not \"" + v + "\"");
                                }
                            }
                            if (cacheMax <= 0) {
                                throw new IllegalArgumentException("--open-file-cache needs max=N with N > 0: \""
                                        + v + "\"");
                            }
                        }
                    }
                    case "--open-file-cache-valid" -> cacheValid = Sizes.millis(o.value(opt));
                    case "--open-file-cache-min-uses" -> cacheMinUses = Integer.parseInt(o.value(opt));
                    case "--open-file-cache-errors" -> cacheErrors = o.onOff(opt);
                    default -> serverOption(opt, o, cfg);
                }
            }
            cfg.openFileCache(cacheMax == 0 ? null
                    : new StaticConfig.FileCache(cacheMax, cacheInactive, cacheValid, cacheMinUses, cacheErrors));
        } catch (IllegalArgumentException e) {
            // NumberFormatException is one too: "For input string: ..." names the bad value
            err.println("sendchain static: " + e.getMessage());
            err.println("try: sendchain static --help");
            return 2;
        }
        Path demo = null;
        try {
            if (root == null) {
                demo = Demo.extract();
                root = demo;
            }
            if (!Files.isDirectory(root)) {
                err.println("sendchain static: --root " + root + " is not a directory");
                return 2;
            }
            StaticConfig config = cfg.root(root.toRealPath()).build();
            StaticServer server = new StaticServer(config);
            InetSocketAddress bound = server.start();
            PlatformRegistry.Choice choice = server.platformChoice();
            out.println("sendchain static: serving " + (demo != null ? "the bundled demo site (" + root + ")" : root)
                    + " on http://" + bound.getHostString() + ":" + bound.getPort() + "/");
            out.println("platform " + choice.name() + " (" + choice.why() + "): "
                    + choice.chosen().availability().reason());
            out.println(config.workers() + " worker(s), " + listeners(server.listeners()) + ", sendfile "
                    + (config.sendfile() ? "on" : "off") + "; Ctrl-C stops");
            out.flush();
            Path cleanup = demo;
            return runUntilStopped("static", out, () -> {
                server.close();
                if (cleanup != null) {
                    try {
                        Demo.delete(cleanup);
                    } catch (IOException e) {
                        // best effort on the way out
                    }
                }
            });
        } catch (NoPlatformException e) {
            err.println("sendchain static: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("sendchain static: " + e.getMessage());
            return 1;
        }
    }

    private static final String PROXY_HELP = """
            usage: sendchain proxy --upstream HOST:PORT[,weight=N][,max_fails=N][,fail_timeout=TIME]...
                                   [--listen HOST:PORT] [options]

            Proxies HTTP/1.1 requests to the upstream until Ctrl-C, reusing idle upstream connections (nginx's
            upstream keepalive; --upstream-keepalive 0 opens one per request, as nginx's proxy_pass does by
            default). Sizes, rates and times are written as nginx writes them: 4k, 512k, 1m, 60s. Defaults are
            nginx's proxy_* defaults, but for upstream keep-alive.

              --upstream HOST:PORT[,weight=N][,max_fails=N][,fail_timeout=TIME]
                                            a server to proxy to (required); given more than once, the servers
                                            are balanced by weighted round robin (nginx's upstream block): one
                                            that fails max_fails times is left out for fail_timeout [1,1,10s]
              --upstream-name NAME          the Host sent upstream (nginx's upstream block name) [the first
                                            server's HOST:PORT]
              --proxy-next-upstream WORDS   when a failed request goes to the next server: error, timeout,
                                            invalid_header, http_500, http_502, http_503, http_504,
                                            non_idempotent (comma-separated) or off [error,timeout]
              --proxy-next-upstream-tries N most servers one request tries, 0 = all of them [0]
              --listen HOST:PORT            address to listen on [127.0.0.1:8081] (port 0 picks a free one)
              --platform NAME               platform to use (default: the best available)
              --buffering on|off            buffer the response (pipe, temp file) or relay it at the client's pace [on]
              --buffer-size SIZE            buffer for the response head (and the whole body unbuffered) [4k]
              --buffers N SIZE              buffers for the response body [8 4k]
              --busy-buffers-size SIZE      most buffered bytes in flight to the client [8k]
              --max-temp-file-size SIZE     most bytes spilled to a temp file per response, 0 = never [1024m]
              --temp-file-write-size SIZE   most bytes written to the temp file at once [8k]
              --temp-path DIR               directory for temp files [the JVM's java.io.tmpdir]
              --limit-rate RATE             bytes per second read from the upstream per response (buffering on),
                                            0 = off [0]
              --connect-timeout TIME        [60s]
              --read-timeout TIME           [60s]
              --send-timeout TIME           to the upstream [60s]
              --upstream-keepalive N        idle upstream connections each worker keeps for reuse (nginx's
                                            upstream keepalive), 0 = a new connection per request [32]
              --upstream-keepalive-requests N   most requests one upstream connection carries [1000]
              --upstream-keepalive-timeout TIME longest an upstream connection is kept idle [60s]
              --client-max-body-size SIZE   larger request bodies get 413, 0 = no limit [1m]
              --client-header-buffer-size SIZE   first buffer for a request head [1k]
              --large-client-header-buffers N SIZE  buffers for long heads [4 8k]
              --keepalive-timeout TIME      idle wait between a client's requests [75s]
              --worker-memory SIZE          most native memory one worker keeps for buffers, 0 = no limit [512m]
              --status on|off               answer GET /.sendchain/status with counters [off]
              --workers N                   event loops [one per core]
              --reuseport on|off            with several workers, a SO_REUSEPORT listener per worker where the
                                            platform balances them (Linux), else one listener for all [on]
              --access-log on|off           log each request through SLF4J (sendchain.access) [off]
            """;

    private static int proxy(String[] args, PrintStream out, PrintStream err) {
        ProxyConfig.Builder cfg = ProxyConfig.builder();
        ProxyConfig config;
        try {
            Options o = new Options(args);
            while (o.more()) {
                String opt = o.next();
                switch (opt) {
                    case "--help", "-h" -> {
                        out.print(PROXY_HELP);
                        return 0;
                    }
                    case "--upstream" -> cfg.upstream(ProxyConfig.UpstreamServer.parse(o.value(opt)));
                    case "--upstream-name" -> cfg.upstreamName(o.value(opt));
                    case "--proxy-next-upstream" -> cfg.nextUpstream(ProxyConfig.nextUpstream(o.value(opt)));
                    case "--proxy-next-upstream-tries" -> cfg.nextUpstreamTries(Integer.parseInt(o.value(opt)));
                    case "--buffering" -> cfg.buffering(o.onOff(opt));
                    case "--buffer-size" -> cfg.bufferSize(Sizes.size(o.value(opt)));
                    case "--buffers" -> cfg.buffers(Integer.parseInt(o.value(opt)), Sizes.size(o.value(opt)));
                    case "--busy-buffers-size" -> cfg.busyBuffersSize(Sizes.size(o.value(opt)));
                    case "--max-temp-file-size" -> cfg.maxTempFileSize(Sizes.size(o.value(opt)));
                    case "--temp-file-write-size" -> cfg.tempFileWriteSize(Sizes.size(o.value(opt)));
                    case "--temp-path" -> cfg.tempPath(Path.of(o.value(opt)));
                    case "--limit-rate" -> cfg.limitRate(Sizes.size(o.value(opt)));
                    case "--connect-timeout" -> cfg.connectTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--read-timeout" -> cfg.readTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--send-timeout" -> cfg.sendTimeoutMillis(Sizes.millis(o.value(opt)));
                    case "--upstream-keepalive" -> cfg.upstreamKeepalive(Integer.parseInt(o.value(opt)));
                    case "--proxy-splice" -> cfg.splice(o.onOff(opt));
                    case "--upstream-keepalive-requests" ->
                            cfg.upstreamKeepaliveRequests(Integer.parseInt(o.value(opt)));
                    case "--upstream-keepalive-timeout" ->
                            cfg.upstreamKeepaliveTimeoutMillis(Sizes.millis(o.value(opt)));
                    default -> serverOption(opt, o, cfg);
                }
            }
            config = cfg.build();
        } catch (IllegalArgumentException e) {
            err.println("sendchain proxy: " + e.getMessage());
            err.println("try: sendchain proxy --help");
            return 2;
        }
        if (!Files.isDirectory(config.tempPath()) || !Files.isWritable(config.tempPath())) {
            err.println("sendchain proxy: --temp-path " + config.tempPath() + " is not a writable directory");
            return 2;
        }
        try {
            ReverseProxy proxy = new ReverseProxy(config);
            InetSocketAddress bound = proxy.start();
            PlatformRegistry.Choice choice = proxy.platformChoice();
            out.println("sendchain proxy: http://" + bound.getHostString() + ":" + bound.getPort() + "/ -> "
                    + upstreams(config));
            out.println("platform " + choice.name() + " (" + choice.why() + "): "
                    + choice.chosen().availability().reason());
            out.println(config.workers() + " worker(s), " + listeners(proxy.listeners()) + ", buffering " + (config.buffering() ? "on" : "off")
                    + ", buffers " + config.buffersNum() + " x " + config.buffersSize() + ", upstream keep-alive "
                    + (config.upstreamKeepalive() == 0 ? "off" : config.upstreamKeepalive() + " per worker")
                    + ", temp files in " + config.tempPath() + "; Ctrl-C stops");
            out.flush();
            return runUntilStopped("proxy", out, proxy::close);
        } catch (IOException e) { // NoPlatformException too: it lists every provider and why it was rejected
            err.println("sendchain proxy: " + e.getMessage());
            return 1;
        }
    }

    /** {@code http://HOST:PORT/}, or with several servers each with its weight and the Host they get. */
    private static String upstreams(ProxyConfig config) {
        if (config.upstreams().size() == 1) {
            return "http://" + config.upstreams().get(0).name() + "/";
        }
        StringBuilder sb = new StringBuilder("http://" + config.upstreamName() + "/ (");
        String sep = "";
        for (ProxyConfig.UpstreamServer s : config.upstreams()) {
            sb.append(sep).append(s.name()).append(" weight=").append(s.weight()).append(" max_fails=")
                    .append(s.maxFails()).append(" fail_timeout=").append(s.failTimeoutMillis()).append("ms");
            sep = ", ";
        }
        return sb.append(")").toString();
    }

    private static String listeners(int n) {
        return n == 1 ? "1 listener" : n + " SO_REUSEPORT listeners";
    }

    /** Waits for Ctrl-C (the JVM's shutdown), then runs {@code stop} and says so; returns the exit status. */
    private static int runUntilStopped(String command, PrintStream out, Runnable stop) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            out.println("sendchain " + command + ": stopped");
            out.flush();
            stopped.countDown();
        }, "sendchain-shutdown"));
        try {
            stopped.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The options both servers take ({@link ServerSettings}); anything else is unknown. */
    private static void serverOption(String opt, Options o, ServerSettings cfg) {
        switch (opt) {
            case "--listen" -> cfg.listen(address(opt, o.value(opt)));
            case "--platform" -> cfg.platform(o.value(opt));
            case "--workers" -> cfg.workers(Integer.parseInt(o.value(opt)));
            case "--reuseport" -> cfg.reusePort(o.onOff(opt));
            case "--access-log" -> cfg.accessLog(o.onOff(opt));
            case "--keepalive-timeout" -> cfg.keepaliveTimeoutMillis(Sizes.millis(o.value(opt)));
            case "--client-max-body-size" -> cfg.clientMaxBodySize(Sizes.size(o.value(opt)));
            case "--client-header-buffer-size" -> cfg.headerBufferSize(intSize(opt, o.value(opt)));
            case "--large-client-header-buffers" ->
                    cfg.largeHeaderBuffers(Integer.parseInt(o.value(opt)), intSize(opt, o.value(opt)));
            case "--worker-memory" -> cfg.workerMemory(Sizes.size(o.value(opt)));
            case "--status" -> cfg.status(o.onOff(opt));
            default -> throw new IllegalArgumentException("unknown option \"" + opt + "\"");
        }
    }

    private static int intSize(String opt, String v) {
        long n = Sizes.size(v);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(opt + " is too large: " + v);
        }
        return (int) n;
    }

    private static InetSocketAddress address(String opt, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(opt + " needs HOST:PORT, not \"" + hostPort + "\"");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return new InetSocketAddress(host, port);
    }

    /** A cursor over command-line arguments. */
    private static final class Options {
        private final String[] args;
        private int i;

        Options(String[] args) {
            this.args = args;
        }

        boolean more() {
            return i < args.length;
        }

        String next() {
            return args[i++];
        }

        /** The next argument if it starts with {@code prefix} (an optional part of a value), else {@code null}. */
        String nextIf(String prefix) {
            return i < args.length && args[i].startsWith(prefix) ? args[i++] : null;
        }

        String value(String opt) {
            if (i >= args.length) {
                throw new IllegalArgumentException(opt + " needs a value");
            }
            return args[i++];
        }

        boolean onOff(String opt) {
            String v = value(opt);
            return switch (v) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new IllegalArgumentException(opt + " takes on or off, not \"" + v + "\"");
            };
        }
    }
}
