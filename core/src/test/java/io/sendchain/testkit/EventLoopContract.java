package io.sendchain.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.NetSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.OutputChainContext;
import io.sendchain.output.Status;
import io.sendchain.spi.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a platform's event loop: accept, read a request, answer with a header and a file
 * through the output chain and the chain writer, resume on write events while slow clients read. Part of the
 * provider contract: a platform module subclasses it and makes its platform. Bounded: a client that gets no byte
 * for {@link #stallMillis()} fails naming the likely cause (a driver that never reports a socket writable again),
 * and every test fails after two minutes instead of hanging.
 */
@Timeout(120)
public abstract class EventLoopContract {

    /** How long a client waits for the next byte before the test fails: 20 s. */
    protected int stallMillis() {
        return 20_000;
    }

    /** The platform under test (its driver runs the loop; its sockets and files serve). */
    protected abstract Platform openPlatform() throws IOException;

    /** How many clients the concurrency test runs at once. */
    protected int concurrentClients() {
        return 16;
    }

    private static final int FILE_SIZE = 3 * 1024 * 1024 + 17;

    /** Where the served file is made (JUnit's temp dir). */
    @TempDir
    protected Path dir;

    private Platform platform;
    private EventLoop loop;
    private FileRef file;
    private InetSocketAddress address;

    /** Starts the loop, the listener and the served file; JUnit calls it before each test. */
    @BeforeEach
    public void startServer() throws Exception {
        platform = openPlatform();
        file = platform.openFile(TestFiles.patternFile(dir, "body", FILE_SIZE));
        loop = new EventLoop(getClass().getSimpleName(), platform.newDriver());
        loop.start();
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        address = ls.localAddress();
        Connection lc = new Connection("listener", ls);
        lc.read().handler(this::accept);
        onLoop(() -> {
            try {
                loop.add(lc);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Stops the loop and checks it closed every connection; JUnit calls it after each test. */
    @AfterEach
    public void stopServer() throws Exception {
        loop.stop();
        assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(0, loop.connectionCount());
        file.close();
        platform.close();
    }

    /** The loop, for subclasses' own checks. */
    protected EventLoop loop() {
        return loop;
    }

    /** The platform of this test. */
    protected Platform platform() {
        return platform;
    }

    protected void onLoop(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            r.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /** Per-connection state of the little file server. */
    private final class Session {
        final Connection c;
        final Pool pool = new Pool();
        final Buf request;
        final OutputChainContext out;
        boolean responding;

        Session(Connection c) {
            this.c = c;
            this.request = pool.createTempBuf(256);
            ChainWriter writer = new ChainWriter(pool).connection(c).limit(256 * 1024);
            this.out = new OutputChainContext(pool, writer).sendfile(true);
        }

        void onRead(Event ev) {
            try {
                while (!responding) {
                    long n = c.recv(request);
                    if (n == Connection.AGAIN) {
                        return;
                    }
                    if (n == 0) {
                        finish();
                        return;
                    }
                    String text = RecordingFilter.text(request);
                    if (text.contains("\n")) {
                        responding = true;
                        Buf header = Buf.copyOf(pool, ("LEN " + FILE_SIZE + "\n").getBytes(StandardCharsets.US_ASCII));
                        Chain response = Chain.of(header, Buf.ofFile(file, 0, FILE_SIZE).lastBuf(true));
                        push(out.output(response));
                    }
                }
            } catch (IOException e) {
                finish();
            }
        }

        void onWrite(Event ev) {
            if (!responding) {
                return;
            }
            try {
                push(out.output(null));
            } catch (IOException e) {
                finish();
            }
        }

        private void push(Status rc) {
            if (rc == Status.OK) {
                finish();
            }
        }

        void finish() {
            loop.close(c);
            pool.close();
        }
    }

    private void accept(Event ev) {
        Connection lc = ev.connection();
        try {
            StreamSocket s;
            while ((s = lc.listener().accept(lc)) != null) {
                s.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
                Connection c = new Connection("client", s);
                Session session = new Session(c);
                c.read().handler(session::onRead);
                c.write().handler(session::onWrite);
                loop.add(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected byte[] fetch(int readChunk) throws IOException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(address, 10_000);
            s.setSoTimeout(stallMillis());
            s.getOutputStream().write("GET\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[readChunk];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no byte for " + stallMillis() + " ms after " + got.size() + " bytes of the "
                        + "response: it stalled (does the driver report a socket writable again after EAGAIN?)", e);
            }
            return got.toByteArray();
        }
    }

    protected static byte[] expected() {
        byte[] head = ("LEN " + FILE_SIZE + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = TestFiles.pattern(FILE_SIZE);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    @Test
    public void aSlowReaderGetsTheWholeResponseAsWriteEventsResumeTheOutput() throws IOException {
        assertArrayEquals(expected(), fetch(333));
    }

    @Test
    public void manyConcurrentSlowReadersAllGetIntactResponses() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(Math.min(32, concurrentClients()));
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < concurrentClients(); i++) {
                int chunk = 100 + i * 977;
                results.add(clients.submit(() -> fetch(chunk)));
            }
            byte[] want = expected();
            for (Future<byte[]> f : results) {
                assertArrayEquals(want, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        onLoop(() -> assertEquals(1, loop.connectionCount(), "only the listener is left"));
    }

    @Test
    public void aClientThatVanishesMidResponseIsClosedAndTheServerGoesOn() throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(address, 10_000);
            s.setSoTimeout(stallMillis());
            s.getOutputStream().write("GET\n".getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readNBytes(1000);
            s.setSoLinger(true, 0);
        } // reset mid-response
        assertArrayEquals(expected(), fetch(64 * 1024));
    }
}
