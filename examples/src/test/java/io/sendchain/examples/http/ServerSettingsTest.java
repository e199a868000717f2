package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The settings both servers take are checked once ({@link ServerSettings}): the static server's and the proxy's
 * builders refuse the same values with the same message and take the same smallest ones.
 */
class ServerSettingsTest {

    private static final List<Supplier<ServerSettings>> BUILDERS = List.of(StaticConfig::builder,
            () -> ProxyConfig.builder());

    private record Case(String setting, Consumer<ServerSettings> refused, Consumer<ServerSettings> smallest) {
    }

    private static final List<Case> CASES = List.of(
            new Case("workers", s -> s.workers(0), s -> s.workers(1)),
            new Case("keepalive_timeout", s -> s.keepaliveTimeoutMillis(-1), s -> s.keepaliveTimeoutMillis(0)),
            new Case("client_header_timeout", s -> s.headerTimeoutMillis(0), s -> s.headerTimeoutMillis(1)),
            new Case("client_max_body_size", s -> s.clientMaxBodySize(-1), s -> s.clientMaxBodySize(0)),
            new Case("client_header_buffer_size", s -> s.headerBufferSize(63), s -> s.headerBufferSize(64)),
            new Case("large header buffers", s -> s.largeHeaderBuffers(0, 64), s -> s.largeHeaderBuffers(1, 64)),
            new Case("worker memory", s -> s.workerMemory(-1), s -> s.workerMemory(0)));

    @Test
    void bothServersRefuseTheSameValuesWithTheSameMessage() {
        for (Case c : CASES) {
            String first = null;
            for (Supplier<ServerSettings> b : BUILDERS) {
                ServerSettings s = b.get();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.refused().accept(s),
                        c.setting() + " on " + s.getClass().getName());
                if (first == null) {
                    first = e.getMessage();
                } else {
                    assertEquals(first, e.getMessage(), c.setting());
                }
                assertEquals(true, e.getMessage().contains(c.setting()), e.getMessage());
                assertDoesNotThrow(() -> c.smallest().accept(s), c.setting());
            }
        }
    }

    @Test
    void aHeaderTimeoutOfZeroIsRefusedRatherThanEndingEveryConnectionAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StaticConfig.builder().headerTimeoutMillis(0));
        assertEquals("\"client_header_timeout\" must be at least 1, not 0", e.getMessage());
    }
}
