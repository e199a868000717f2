package io.sendchain.platform.generic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generic platform's per-thread scratch holds no buf or view once a send or receive call is over. */
class NioScratchTest {

    @TempDir
    Path dir;

    private final Pool pool = new Pool();
    private final GenericPlatform platform = new GenericPlatform(NioKernel.REAL);
    private SocketChannel peer;
    private Connection c;

    @BeforeEach
    void connect() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel ours = SocketChannel.open(server.getLocalAddress());
            peer = server.accept();
            StreamSocket s = platform.adopt(ours);
            c = new Connection("generic", s);
        }
    }

    @AfterEach
    void close() throws IOException {
        c.close();
        peer.close();
        platform.close();
        pool.close();
    }

    private void assertScratchHoldsNothing() {
        NioScratch s = platform.scratch();
        assertEquals(0, s.vec.count());
        assertNull(s.run.first());
        assertNull(s.run.next());
        assertEquals(Arrays.asList(new Object[s.views.length]), Arrays.asList(s.views));
        assertEquals(Arrays.asList(new Object[s.readBufs.length]), Arrays.asList(s.readBufs));
    }

    private Buf mem(String text) {
        return Buf.copyOf(pool, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSendLeavesNoBufOfItsResponseInTheThreadsScratch() throws IOException {
        try (FileRef f = FileRef.open(TestFiles.patternFile(dir, "f", 3000))) {
            assertNull(c.sendChain(Chain.of(mem("HEAD"), Buf.ofFile(f, 0, 3000), mem("TAIL")), 0));
            assertScratchHoldsNothing();
            ByteBuffer got = ByteBuffer.allocate(3008);
            while (got.hasRemaining()) {
                peer.read(got);
            }
            assertArrayEquals(TestFiles.pattern(3000), Arrays.copyOfRange(got.array(), 4, 3004));
        }
    }

    @Test
    void aScatteringReadLeavesNoBufOrViewInTheThreadsScratch() throws IOException {
        peer.write(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.ISO_8859_1)));
        Buf a = pool.createTempBuf(4);
        Buf b = pool.createTempBuf(100);
        long n = 0;
        for (int i = 0; i < 1000 && n < 10; i++) {
            DriverEvents.ready(c.read(), true);
            long r = c.stream().recvChain(c, Chain.of(a, b), 0);
            n += Math.max(r, 0);
        }
        assertEquals(10, n);
        assertEquals(4, a.size());
        assertEquals(6, b.size());
        assertScratchHoldsNothing();
    }
}
