package io.sendchain.examples.cli;

import com.google.common.net.HostAndPort;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a started server until SIGTERM or SIGINT (Ctrl-C), then stops it gracefully, as nginx's graceful quit: the
 * listeners close (a new connect is refused), idle keep-alive connections close at once, responses under way get
 * up to {@code --shutdown-timeout} to finish (their connections close after them), then whatever is left is
 * closed; the command then ends with status 0.
 *
 * <p>The signals are caught with {@code sun.misc.Signal} (in {@code jdk.unsupported}, a supported API despite
 * its package): the JVM's own handling runs the shutdown hooks and then exits with 128 + the signal's number,
 * which would make a clean stop look like a failure to a service manager. A shutdown hook stops the server the same
 * way when the JVM ends for another reason (SIGHUP, or where the signals cannot be caught, as with {@code -Xrs}).
 */
final class Serving {

    private static final Logger log = LoggerFactory.getLogger(Serving.class);

    /** A started server as the stop sees it. */
    interface Server {
        /** Stops gracefully within {@code timeoutMillis}; {@code true} if every connection ended by itself. */
        boolean shutdown(long timeoutMillis) throws InterruptedException;

        /** Client connections open now. */
        int openConnections();
    }

    private Serving() {
    }

    /** {@code HOST:PORT} of a bound address, an IPv6 host in brackets. */
    static String hostPort(InetSocketAddress a) {
        return HostAndPort.fromParts(a.getHostString(), a.getPort()).toString();
    }

    /** How many listeners a server has, said for its start line. */
    static String listeners(int n) {
        return n == 1 ? "1 listener" : n + " SO_REUSEPORT listeners";
    }

    /**
     * Waits for SIGTERM or SIGINT, then stops {@code server} gracefully and runs {@code cleanup}; returns the exit
     * status (0).
     */
    static int untilStopped(String command, PrintWriter out, Server server, long timeoutMillis, Runnable cleanup) {
        CountDownLatch signalled = new CountDownLatch(1);
        AtomicReference<String> signal = new AtomicReference<>();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    signal.compareAndSet(null, "SIG" + s.getName());
                    signalled.countDown();
                });
            } catch (IllegalArgumentException e) {
                log.info("SIG{} cannot be caught ({}); the shutdown hook stops the server", name, e.getMessage());
            }
        }
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            try {
                out.println(command + ": " + (signal.get() != null ? signal.get() : "JVM shutdown")
                        + ": stopping; " + server.openConnections() + " connection(s) open, waiting up to "
                        + timeoutMillis + " ms for responses under way");
                out.flush();
                boolean drained = server.shutdown(timeoutMillis);
                cleanup.run();
                out.println(command + ": stopped" + (drained ? "" : " (closed connections still busy at the timeout)"));
                out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        };
        Thread hook = new Thread(() -> {
            stop.run();
            try {
                stopped.await(timeoutMillis + 15_000, TimeUnit.MILLISECONDS); // a stop under way on the main thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sendchain-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Cli.FAILURE;
        }
        stop.run();
        return 0;
    }
}
