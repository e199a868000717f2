package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Listeners per worker: with SO_REUSEPORT each worker accepts on its own socket and the kernel spreads the
 * connections over them; with it off, one listener takes every connection and hands them to the workers.
 */
@Timeout(120)
class ReusePortTest {

    private static final int CLIENTS = 64;

    @TempDir
    Path root;

    private StaticServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(String platform, boolean reusePort) throws IOException {
        assumeTrue(PlatformRegistry.load().candidates().stream()
                .anyMatch(c -> c.name().equals(platform) && c.available()), platform + " is not available here");
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        server = new StaticServer(StaticConfig.builder().root(root.toRealPath())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).platform(platform).workers(2)
                .reusePort(reusePort).build());
        server.start();
    }

    /** {@link #CLIENTS} requests, each on a new connection, 8 at a time; every one must be answered. */
    private void requests() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                statuses.add(pool.submit(() -> {
                    try (HttpTestClient c = new HttpTestClient(server.address())) {
                        return c.get("/hello.txt", "Connection: close").read().status();
                    }
                }));
            }
            for (Future<Integer> f : statuses) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux", "generic"})
    void withReusePortEachWorkerAcceptsOnItsOwnListenerAndBothGetConnections(String platform) throws Exception {
        start(platform, true);
        assumeTrue(server.platform().supportsReusePort(), platform + " has no balancing SO_REUSEPORT here");
        assertEquals(2, server.listeners());
        requests();
        long[] accepted = server.acceptedPerListener();
        assertEquals(CLIENTS, accepted[0] + accepted[1], Arrays.toString(accepted));
        // the kernel hashes each connection's addresses: all 64 on one socket has probability 2^-63
        assertTrue(accepted[0] > 0 && accepted[1] > 0, "both listeners accepted: " + Arrays.toString(accepted));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux", "generic"})
    void withReusePortOffOneListenerTakesEveryConnectionForBothWorkers(String platform) throws Exception {
        start(platform, false);
        assertEquals(1, server.listeners());
        requests();
        assertEquals(CLIENTS, server.acceptedPerListener()[0]);
    }
}
