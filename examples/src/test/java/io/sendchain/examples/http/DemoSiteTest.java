package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the README's first command serves: the bundled demo site, its index at "/" and the files it links. */
class DemoSiteTest {

    @Test
    void theBundledSiteIsServedFromItsRoot() throws Exception {
        Path demo = Demo.extract();
        try (StaticServer server = new StaticServer(StaticConfig.builder().root(demo.toRealPath())
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(1).build())) {
            server.start();
            try (HttpTestClient c = new HttpTestClient(server.address())) {
                HttpTestClient.Response index = c.get("/").read();
                assertEquals(200, index.status());
                assertEquals("text/html", index.header("Content-Type"));
                assertTrue(index.text().contains("sendchain"), index.text());
                assertEquals(200, c.get("/style.css").read().status());
                assertEquals(200, c.get("/hello.txt").read().status());
            }
        } finally {
            Demo.delete(demo);
        }
    }
}
