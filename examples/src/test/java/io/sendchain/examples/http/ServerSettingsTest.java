package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The settings both servers take are held, defaulted and checked once ({@link ServerSettings}): both builders refuse
 * the same values with the same message, take the same smallest ones, and carry each setting into their config.
 */
class ServerSettingsTest {

    private static final List<Supplier<ServerSettings<?>>> BUILDERS = List.of(StaticConfig::builder,
            ProxyConfig::builder);

    private record Case(String setting, Consumer<ServerSettings<?>> refused, Consumer<ServerSettings<?>> smallest) {
    }

    private static final List<Case> CASES = List.of(
            new Case("workers", s -> s.workers(0), s -> s.workers(1)),
            new Case("keepalive_timeout", s -> s.keepaliveTimeoutMillis(-1), s -> s.keepaliveTimeoutMillis(0)),
            new Case("client_header_timeout", s -> s.headerTimeoutMillis(0), s -> s.headerTimeoutMillis(1)),
            new Case("send_timeout", s -> s.clientSendTimeoutMillis(0), s -> s.clientSendTimeoutMillis(1)),
            new Case("client_max_body_size", s -> s.clientMaxBodySize(-1), s -> s.clientMaxBodySize(0)),
            new Case("client_header_buffer_size", s -> s.headerBufferSize(63), s -> s.headerBufferSize(64)),
            new Case("large header buffers", s -> s.largeHeaderBuffers(0, 64), s -> s.largeHeaderBuffers(1, 64)),
            new Case("max headers", s -> s.maxHeaders(0), s -> s.maxHeaders(1)),
            new Case("worker memory", s -> s.workerMemory(-1), s -> s.workerMemory(0)));

    @Test
    void bothServersRefuseTheSameValuesWithTheSameMessage() {
        for (Case c : CASES) {
            String first = null;
            for (Supplier<ServerSettings<?>> b : BUILDERS) {
                ServerSettings<?> s = b.get();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.refused().accept(s),
                        c.setting() + " on " + s.getClass().getName());
                if (first == null) {
                    first = e.getMessage();
                } else {
                    assertEquals(first, e.getMessage(), c.setting());
                }
                assertTrue(e.getMessage().contains(c.setting()), e.getMessage());
                assertDoesNotThrow(() -> c.smallest().accept(s), c.setting());
            }
        }
    }

    @Test
    void timersOfZeroAreRefusedRatherThanEndingEveryConnectionAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StaticConfig.builder().headerTimeoutMillis(0));
        assertEquals("\"client_header_timeout\" must be at least 1, not 0", e.getMessage());
        // the static server took a send_timeout of 0, a timer that ended every response the client held back
        e = assertThrows(IllegalArgumentException.class, () -> StaticConfig.builder().clientSendTimeoutMillis(0));
        assertEquals("\"send_timeout\" must be at least 1, not 0", e.getMessage());
    }

    /** Each shared setting, set to a value of its own, reaches the record both builders make, in its own place. */
    @Test
    void eachSharedSettingReachesBothConfigs() {
        InetSocketAddress listen = new InetSocketAddress("127.0.0.3", 9123);
        StaticConfig st = share(StaticConfig.builder().root(Path.of("/srv")), listen).build();
        ProxyConfig px = share(ProxyConfig.builder().upstream(new InetSocketAddress("127.0.0.1", 1)), listen).build();
        assertEquals(List.of(listen, "p", 3, false, true, 11L, 12L, 13L, 14L, 1500, 5, 1600, 17, 18L, true),
                List.of(st.listen(), st.platform(), st.workers(), st.reusePort(), st.accessLog(),
                        st.keepaliveTimeoutMillis(), st.headerTimeoutMillis(), st.clientSendTimeoutMillis(),
                        st.clientMaxBodySize(), st.headerBufferSize(), st.largeHeaderBuffers(),
                        st.largeHeaderBufferSize(), st.maxHeaders(), st.workerMemory(), st.status()));
        assertEquals(List.of(listen, "p", 3, false, true, 11L, 12L, 13L, 14L, 1500, 5, 1600, 17, 18L, true),
                List.of(px.listen(), px.platform(), px.workers(), px.reusePort(), px.accessLog(),
                        px.keepaliveTimeoutMillis(), px.headerTimeoutMillis(), px.clientSendTimeoutMillis(),
                        px.clientMaxBodySize(), px.headerBufferSize(), px.largeHeaderBuffers(),
                        px.largeHeaderBufferSize(), px.maxHeaders(), px.workerMemory(), px.status()));
    }

    @Test
    void theDefaultsAreTheSameForBothServersButTheirPorts() {
        StaticConfig st = StaticConfig.builder().root(Path.of("/srv")).build();
        ProxyConfig px = ProxyConfig.builder().upstream(new InetSocketAddress("127.0.0.1", 1)).build();
        assertEquals(8080, st.listen().getPort());
        assertEquals(8081, px.listen().getPort());
        assertEquals(List.of(st.workers(), st.reusePort(), st.accessLog(), st.keepaliveTimeoutMillis(),
                st.headerTimeoutMillis(), st.clientSendTimeoutMillis(), st.clientMaxBodySize(), st.headerBufferSize(),
                st.largeHeaderBuffers(), st.largeHeaderBufferSize(), st.maxHeaders(), st.workerMemory(), st.status()),
                List.of(px.workers(), px.reusePort(), px.accessLog(), px.keepaliveTimeoutMillis(),
                        px.headerTimeoutMillis(), px.clientSendTimeoutMillis(), px.clientMaxBodySize(),
                        px.headerBufferSize(), px.largeHeaderBuffers(), px.largeHeaderBufferSize(), px.maxHeaders(),
                        px.workerMemory(), px.status()));
        // nginx's: keepalive_timeout 75s, client_header_timeout 60s, send_timeout 60s, client_max_body_size 1m,
        // client_header_buffer_size 1k, large_client_header_buffers 4 8k
        assertEquals(List.of(75_000L, 60_000L, 60_000L, 1L << 20, 1024, 4, 8192),
                List.of(st.keepaliveTimeoutMillis(), st.headerTimeoutMillis(), st.clientSendTimeoutMillis(),
                        st.clientMaxBodySize(), st.headerBufferSize(), st.largeHeaderBuffers(),
                        st.largeHeaderBufferSize()));
    }

    private static <B extends ServerSettings<B>> B share(B b, InetSocketAddress listen) {
        return b.listen(listen).platform("p").workers(3).reusePort(false).accessLog(true).keepaliveTimeoutMillis(11)
                .headerTimeoutMillis(12).clientSendTimeoutMillis(13).clientMaxBodySize(14).headerBufferSize(1500)
                .largeHeaderBuffers(5, 1600).maxHeaders(17).workerMemory(18).status(true);
    }
}
