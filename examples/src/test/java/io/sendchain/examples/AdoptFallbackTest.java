package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A SocketChannel the user already holds: the selected platform adopts it if the JVM lets it reach the descriptor,
 * otherwise the registry says why and falls back to the generic platform, and the bytes flow either way.
 */
class AdoptFallbackTest {

    @Test
    void aChannelTheSelectedPlatformCannotReachIsAdoptedByGenericAndItsBytesArrive() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        server.getLocalPort()));
                Socket peer = server.accept();
                Pool pool = new Pool()) {
            PlatformRegistry registry = PlatformRegistry.load();
            PlatformRegistry.Adopted adopted = registry.adopt(ch, PlatformConfig.defaults());
            // without --add-opens java.base/sun.nio.ch the linux platform cannot use the channel's descriptor
            assertEquals("generic", adopted.platform().name());
            Connection c = new Connection("adopted", adopted.socket());
            byte[] hello = "hello over an adopted channel".getBytes(StandardCharsets.US_ASCII);
            Chain rest = c.sendChain(Chain.of(Buf.copyOf(pool, hello)), 0);
            assertEquals(null, rest);
            assertArrayEquals(hello, peer.getInputStream().readNBytes(hello.length));
            adopted.platform().close();
        }
    }
}
