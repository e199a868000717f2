package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upstream servers' settings: the {@code --upstream} syntax, nginx's defaults, proxy_next_upstream words. */
class ReverseProxyUpstreamConfigTest {

    @Test
    void anUpstreamTakesNginxsServerParametersAndDefaults() {
        ProxyConfig.UpstreamServer s = ProxyConfig.UpstreamServer.parse("127.0.0.1:8080");
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), s.address());
        assertEquals(1, s.weight());
        assertEquals(1, s.maxFails());
        assertEquals(10_000, s.failTimeoutMillis());
        s = ProxyConfig.UpstreamServer.parse("[::1]:81,weight=3,max_fails=0,fail_timeout=1m30s");
        assertEquals(3, s.weight());
        assertEquals(0, s.maxFails());
        assertEquals(90_000, s.failTimeoutMillis());
        assertEquals("[0:0:0:0:0:0:0:1]:81", s.name());
    }

    @Test
    void aBadUpstreamIsRefusedNamingWhatIsWrong() {
        assertTrue(bad("127.0.0.1").contains("HOST:PORT"));
        assertTrue(bad("127.0.0.1:80,weight=0").contains("invalid weight 0"));
        assertTrue(bad("127.0.0.1:80,weight=x").contains("invalid weight \"x\""));
        assertTrue(bad("127.0.0.1:80,max_fails=-1").contains("invalid max_fails -1"));
        assertTrue(bad("127.0.0.1:80,backup").contains("unknown upstream parameter \"backup\""));
        assertTrue(bad("127.0.0.1:99999").contains("port out of range"));
    }

    private static String bad(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> ProxyConfig.UpstreamServer.parse(spec)).getMessage();
    }

    @Test
    void proxyNextUpstreamIsReadFromNginxsWords() {
        assertEquals(ProxyConfig.NEXT_ERROR | ProxyConfig.NEXT_TIMEOUT, ProxyConfig.nextUpstream("error timeout"));
        assertEquals(ProxyConfig.NEXT_ERROR | ProxyConfig.NEXT_INVALID_HEADER | ProxyConfig.NEXT_NON_IDEMPOTENT,
                ProxyConfig.nextUpstream("error,invalid_header,non_idempotent"));
        assertEquals(0, ProxyConfig.nextUpstream("off"));
        assertEquals(ProxyConfig.NEXT_HTTP_500 | ProxyConfig.NEXT_HTTP_502 | ProxyConfig.NEXT_HTTP_503
                | ProxyConfig.NEXT_HTTP_504, ProxyConfig.nextUpstream("http_500 http_502 http_503 http_504"));
        assertThrows(IllegalArgumentException.class, () -> ProxyConfig.nextUpstream("off error"));
        assertThrows(IllegalArgumentException.class, () -> ProxyConfig.nextUpstream("http_418"));
    }

    @Test
    void severalUpstreamsFormOneGroupNamedAfterTheFirstUnlessNamed() {
        ProxyConfig c = ProxyConfig.builder().upstream(new InetSocketAddress("127.0.0.1", 1))
                .upstream(ProxyConfig.UpstreamServer.parse("127.0.0.1:2,weight=2")).build();
        assertEquals(2, c.upstreams().size());
        assertEquals("127.0.0.1:1", c.upstreamName());
        assertEquals(ProxyConfig.NEXT_ERROR | ProxyConfig.NEXT_TIMEOUT, c.nextUpstream());
        assertEquals(0, c.nextUpstreamTries());
        c = ProxyConfig.builder().upstream(new InetSocketAddress("127.0.0.1", 1)).upstreamName("backend").build();
        assertEquals("backend", c.upstreamName());
        assertEquals(List.of(ProxyConfig.UpstreamServer.of(new InetSocketAddress("127.0.0.1", 1))), c.upstreams());
    }
}
