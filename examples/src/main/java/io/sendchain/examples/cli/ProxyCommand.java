package io.sendchain.examples.cli;

import static io.sendchain.examples.cli.Cli.N;
import static io.sendchain.examples.cli.Cli.ON_OFF;
import static io.sendchain.examples.cli.Cli.SIZE;
import static io.sendchain.examples.cli.Cli.TIME;

import io.sendchain.examples.http.ProxyConfig;
import io.sendchain.examples.http.ReverseProxy;
import io.sendchain.examples.http.ServerSettings;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sendchain proxy}: nginx's {@code proxy_pass} on the event pipe, with nginx's {@code proxy_*} knobs. */
@Command(name = "proxy", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        header = "Proxies to HTTP/1.1 servers like nginx's proxy_pass.",
        customSynopsis = {"sendchain proxy --upstream HOST:PORT[,weight=N][,max_fails=N]",
            "                [,fail_timeout=TIME]... [--listen HOST:PORT] [options]"},
        description = {"", "Proxies HTTP/1.1 requests to the upstream until SIGTERM or Ctrl-C, reusing idle upstream "
                + "connections (nginx's upstream keepalive; --upstream-keepalive 0 opens one per request, as "
                + "nginx's proxy_pass does by default). Sizes, rates and times are written as nginx writes them: "
                + "4k, 512k, 1m, 60s. Defaults are nginx's proxy_* defaults, but for upstream keep-alive.", ""})
final class ProxyCommand extends ServerCommand {

    private final ProxyConfig.Builder cfg = ProxyConfig.builder();

    @Override
    ServerSettings<?> settings() {
        return cfg;
    }

    @Option(names = "--upstream", paramLabel = "HOST:PORT[,weight=N][,max_fails=N][,fail_timeout=TIME]",
            hideParamSyntax = true, description = "a server to proxy to (required); given more than once, the "
            + "servers are balanced by weighted round robin (nginx's upstream block): one that fails max_fails "
            + "times is left out for fail_timeout [1,1,10s]")
    void upstream(String v) {
        cfg.upstream(ProxyConfig.UpstreamServer.parse(v));
    }

    @Option(names = "--upstream-name", paramLabel = "NAME",
            description = "the Host sent upstream (nginx's upstream block name) [the first server's HOST:PORT]")
    void upstreamName(String v) {
        cfg.upstreamName(v);
    }

    @Option(names = "--proxy-next-upstream", paramLabel = "WORDS", defaultValue = "error,timeout",
            description = "when a failed request goes to the next server: error, timeout, invalid_header, "
            + "http_500, http_502, http_503, http_504, non_idempotent (comma-separated) or off")
    void proxyNextUpstream(String v) {
        cfg.nextUpstream(ProxyConfig.nextUpstream(v));
    }

    @Option(names = "--proxy-next-upstream-tries", paramLabel = N, defaultValue = "0",
            description = "most servers one request tries, 0 = all of them")
    void proxyNextUpstreamTries(int v) {
        cfg.nextUpstreamTries(v);
    }

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8081",
            description = "address to listen on (port 0 picks a free one; an IPv6 host in brackets)")
    void listen(String v) {
        cfg.listen(address("--listen", v));
    }

    @Option(names = "--buffering", paramLabel = ON_OFF, defaultValue = "on",
            description = "buffer the response (pipe, temp file) or relay it at the client's pace")
    void buffering(OnOff v) {
        cfg.buffering(v.value());
    }

    @Option(names = "--buffer-size", paramLabel = SIZE, defaultValue = "4k",
            description = "buffer for the response head (and the whole body unbuffered)")
    void bufferSize(Size v) {
        cfg.bufferSize(v.bytes());
    }

    @Option(names = "--buffers", paramLabel = "N SIZE", hideParamSyntax = true, defaultValue = "8 4k",
            parameterConsumer = Cli.TwoWords.class, description = "buffers for the response body")
    void buffers(String v) {
        String[] w = v.split(" ");
        cfg.buffers(Integer.parseInt(w[0]), Size.parse(w[1]).bytes());
    }

    @Option(names = "--busy-buffers-size", paramLabel = SIZE,
            description = "most buffered bytes in flight to the client [twice the buffer size: 8k]")
    void busyBuffersSize(Size v) {
        cfg.busyBuffersSize(v.bytes());
    }

    @Option(names = "--max-temp-file-size", paramLabel = SIZE, defaultValue = "1024m",
            description = "most bytes spilled to a temp file per response, 0 = never")
    void maxTempFileSize(Size v) {
        cfg.maxTempFileSize(v.bytes());
    }

    @Option(names = "--temp-file-write-size", paramLabel = SIZE,
            description = "most bytes written to the temp file at once [twice the buffer size: 8k]")
    void tempFileWriteSize(Size v) {
        cfg.tempFileWriteSize(v.bytes());
    }

    @Option(names = "--temp-path", paramLabel = "DIR",
            description = "directory for temp files, of responses and of request bodies (nginx's proxy_temp_path "
                    + "and client_body_temp_path) [the JVM's java.io.tmpdir]")
    void tempPath(Path v) {
        cfg.tempPath(v);
    }

    @Option(names = "--proxy-request-buffering", paramLabel = ON_OFF, defaultValue = "on",
            description = "read the whole request body (memory, then a temp file) before choosing an upstream, "
                    + "or stream it to the upstream as it arrives")
    void requestBuffering(OnOff v) {
        cfg.requestBuffering(v.value());
    }

    @Option(names = "--proxy-splice", paramLabel = ON_OFF, defaultValue = "on",
            description = "relay Content-Length response bodies, and chunked ones' chunk data, upstream socket -> "
                    + "kernel pipe -> client socket without copying them (Linux's splice(2)) where the platform can")
    void splice(OnOff v) {
        cfg.splice(v.value());
    }

    @Option(names = "--client-body-buffer-size", paramLabel = SIZE, defaultValue = "16k",
            description = "memory for a buffered request body before it spills to a file")
    void clientBodyBufferSize(Size v) {
        cfg.clientBodyBufferSize(v.bytes());
    }

    @Option(names = "--limit-rate", paramLabel = "RATE", defaultValue = "0",
            description = "bytes per second read from the upstream per response (buffering on), 0 = off")
    void limitRate(Size v) {
        cfg.limitRate(v.bytes());
    }

    @Option(names = {"--proxy-connect-timeout", "--connect-timeout"}, paramLabel = TIME, defaultValue = "60s",
            description = "longest wait for a connection to the upstream")
    void connectTimeout(Time v) {
        cfg.connectTimeoutMillis(v.millis());
    }

    @Option(names = {"--proxy-read-timeout", "--read-timeout"}, paramLabel = TIME, defaultValue = "60s",
            description = "longest wait between two reads from the upstream")
    void readTimeout(Time v) {
        cfg.readTimeoutMillis(v.millis());
    }

    @Option(names = "--proxy-send-timeout", paramLabel = TIME, defaultValue = "60s",
            description = "longest wait between two writes to the upstream")
    void proxySendTimeout(Time v) {
        cfg.sendTimeoutMillis(v.millis());
    }

    @Option(names = "--upstream-keepalive", paramLabel = N, defaultValue = "32", description = "idle upstream "
            + "connections each worker keeps for reuse (nginx's upstream keepalive), 0 = a new connection per request")
    void upstreamKeepalive(int v) {
        cfg.upstreamKeepalive(v);
    }

    @Option(names = "--upstream-keepalive-requests", paramLabel = N, defaultValue = "1000",
            description = "most requests one upstream connection carries")
    void upstreamKeepaliveRequests(int v) {
        cfg.upstreamKeepaliveRequests(v);
    }

    @Option(names = "--upstream-keepalive-timeout", paramLabel = TIME, defaultValue = "60s",
            description = "longest an upstream connection is kept idle")
    void upstreamKeepaliveTimeout(Time v) {
        cfg.upstreamKeepaliveTimeoutMillis(v.millis());
    }

    /** The configuration the options make; a check that fails is a usage error. */
    ProxyConfig config() {
        try {
            return cfg.build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws IOException {
        ProxyConfig config = config();
        if (!Files.isDirectory(config.tempPath()) || !Files.isWritable(config.tempPath())) {
            throw usage("--temp-path " + config.tempPath() + " is not a writable directory", null);
        }
        ReverseProxy proxy = new ReverseProxy(config);
        InetSocketAddress bound;
        try {
            bound = proxy.start();
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        PlatformRegistry.Choice choice = proxy.platformChoice();
        out.println("sendchain proxy: http://" + Serving.hostPort(bound) + "/ -> " + upstreams(config));
        out.println("platform " + choice.name() + " (" + choice.why() + "): " + choice.chosen().availability().reason());
        out.println(config.workers() + " worker(s), " + Serving.listeners(proxy.listeners()) + ", buffering "
                + (config.buffering() ? "on" : "off") + ", buffers " + config.buffersNum() + " x "
                + config.buffersSize() + ", upstream keep-alive "
                + (config.upstreamKeepalive() == 0 ? "off" : config.upstreamKeepalive() + " per worker")
                + ", temp files in " + config.tempPath() + "; SIGTERM or Ctrl-C stops");
        out.flush();
        return Serving.untilStopped("sendchain proxy", out, new Serving.Server() {
            @Override
            public boolean shutdown(long timeoutMillis) throws InterruptedException {
                return proxy.shutdown(timeoutMillis);
            }

            @Override
            public int openConnections() {
                return proxy.openConnections();
            }
        }, shutdownTimeoutMillis, () -> {
        });
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
}
