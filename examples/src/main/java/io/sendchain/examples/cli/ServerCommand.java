package io.sendchain.examples.cli;

import static io.sendchain.examples.cli.Cli.N;
import static io.sendchain.examples.cli.Cli.ON_OFF;
import static io.sendchain.examples.cli.Cli.SIZE;
import static io.sendchain.examples.cli.Cli.TIME;

import io.sendchain.examples.http.Addresses;
import io.sendchain.examples.http.ServerSettings;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options both servers take ({@link ServerSettings}), each one method that sets the command's builder, and
 * {@code --shutdown-timeout} for the graceful stop ({@link Serving}).
 */
abstract class ServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    long shutdownTimeoutMillis;

    /** The builder the options set. */
    abstract ServerSettings<?> settings();

    @Option(names = "--platform", paramLabel = "NAME",
            description = "platform to use [the best available; see \"sendchain platforms\"]")
    void platform(String v) {
        settings().platform(v);
    }

    @Option(names = "--workers", paramLabel = N, description = "event loops [one per core]")
    void workers(int v) {
        settings().workers(v);
    }

    @Option(names = "--reuseport", paramLabel = ON_OFF, defaultValue = "on", description = "with several workers, a "
            + "SO_REUSEPORT listener per worker where the platform balances them (Linux), else one listener for all")
    void reusePort(OnOff v) {
        settings().reusePort(v.value());
    }

    @Option(names = "--access-log", paramLabel = ON_OFF, defaultValue = "off",
            description = "log each request through SLF4J (sendchain.access)")
    void accessLog(OnOff v) {
        settings().accessLog(v.value());
    }

    @Option(names = "--keepalive-timeout", paramLabel = TIME, defaultValue = "75s",
            description = "idle wait between a client's requests")
    void keepaliveTimeout(Time v) {
        settings().keepaliveTimeoutMillis(v.millis());
    }

    @Option(names = {"--header-timeout", "--client-header-timeout"}, paramLabel = TIME, defaultValue = "60s",
            description = "longest wait for a request head (408 after it)")
    void headerTimeout(Time v) {
        settings().headerTimeoutMillis(v.millis());
    }

    @Option(names = "--send-timeout", paramLabel = TIME, defaultValue = "60s",
            description = "longest wait for the client to take more of a response (nginx's send_timeout)")
    void sendTimeout(Time v) {
        settings().clientSendTimeoutMillis(v.millis());
    }

    @Option(names = "--client-max-body-size", paramLabel = SIZE, defaultValue = "1m",
            description = "larger request bodies get 413, 0 = no limit")
    void clientMaxBodySize(Size v) {
        settings().clientMaxBodySize(v.bytes());
    }

    @Option(names = "--client-header-buffer-size", paramLabel = SIZE, defaultValue = "1k",
            description = "first buffer for a request head, taken when bytes come")
    void clientHeaderBufferSize(Size v) {
        settings().headerBufferSize(v.intBytes("--client-header-buffer-size"));
    }

    @Option(names = "--large-client-header-buffers", paramLabel = "N SIZE", hideParamSyntax = true,
            defaultValue = "4 8k", parameterConsumer = Cli.TwoWords.class, description = "a long head moves to "
            + "buffers of SIZE, at most N x SIZE; a request line longer than SIZE: 414")
    void largeClientHeaderBuffers(String v) {
        String[] w = v.split(" ");
        settings().largeHeaderBuffers(Integer.parseInt(w[0]),
                Size.parse(w[1]).intBytes("--large-client-header-buffers"));
    }

    @Option(names = "--worker-memory", paramLabel = SIZE, defaultValue = "512m", description = "most native memory "
            + "one worker keeps for buffers; past it new connections are closed, 0 = no limit")
    void workerMemory(Size v) {
        settings().workerMemory(v.bytes());
    }

    @Option(names = "--status", paramLabel = ON_OFF, defaultValue = "off",
            description = "answer GET /.sendchain/status with counters (connections, memory)")
    void status(OnOff v) {
        settings().status(v.value());
    }

    @Option(names = "--shutdown-timeout", paramLabel = TIME, defaultValue = "10s", description = "on SIGTERM or "
            + "Ctrl-C: stop accepting, close idle connections, give responses under way this long to finish, then "
            + "close what is left (nginx's graceful quit with worker_shutdown_timeout)")
    void shutdownTimeout(Time v) {
        shutdownTimeoutMillis = v.millis();
    }

    /** {@code HOST:PORT} for {@code option}; a bad one is a usage error naming the option. */
    static InetSocketAddress address(String option, String v) {
        try {
            return Addresses.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
    }

    /** A usage error (status 2) from a check that runs after parsing, such as a builder's. */
    ParameterException usage(String message, Throwable cause) {
        return new ParameterException(spec.commandLine(), message, cause);
    }
}
