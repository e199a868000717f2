package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.Acceptor;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.Status;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.StandardPlatformOptions;
import io.sendchain.spi.posix.PosixListenSocket;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flight-recorder events of core and the linux platform, recorded around real loopback traffic through an
 * event loop and read back from the recording file: send-chain calls and statistics with their bytes by kind,
 * connections with their close reasons, an accept pause (EMFILE injected into accept4, as the accept contract
 * does: a process cannot lower its own descriptor limit for one test), thread-pool queue waits.
 */
@Timeout(60)
class LinuxFlightRecorderTest {

    private static final int FILE_SIZE = 1024 * 1024 + 13;
    private static final byte[] HEADER = "HEADER 1048589\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRAILER = "END\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST = "GET\n".getBytes(StandardCharsets.US_ASCII);
    private static final long PAUSE_MILLIS = 20;

    @TempDir
    Path dir;

    /** accept4 calls on the listener still to fail with EMFILE. */
    private final AtomicInteger failAccepts = new AtomicInteger();
    private volatile int listenFd = -1;
    private LinuxPlatform platform;
    private EventLoop loop;
    private FileRef file;
    private byte[] body;
    /** Counted down when a response met a full socket: the client starts reading only then. */
    private final CountDownLatch full = new CountDownLatch(1);
    /** Counted down when a response was all sent (the chain writer said OK). */
    private final CountDownLatch responded = new CountDownLatch(2);
    /** Counted down when a served connection was closed. */
    private final CountDownLatch closed = new CountDownLatch(2);

    private void start(PlatformConfig config, String loopName) throws Exception {
        platform = new LinuxPlatform(new DelegatingKernel(new Syscalls()) {
            @Override
            public int accept4(int fd, int flags) {
                if (fd == listenFd && failAccepts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return -Linux.EMFILE;
                }
                return super.accept4(fd, flags);
            }
        }, config);
        Path path = TestFiles.patternFile(dir, "body", FILE_SIZE);
        body = java.nio.file.Files.readAllBytes(path);
        file = platform.openFile(path);
        loop = new EventLoop(loopName, platform.newDriver());
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (loop != null) {
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
        }
        if (file != null) {
            file.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    private InetSocketAddress listen(String name) throws Exception {
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        listenFd = ((PosixListenSocket) ls).fd();
        Connection lc = new Connection(name, ls);
        AtomicInteger n = new AtomicInteger();
        Acceptor acceptor = new Acceptor(loop, lc, s -> accepted(s, "conn-" + n.incrementAndGet()),
                new Acceptor.Settings(PAUSE_MILLIS, PAUSE_MILLIS, 1000));
        onLoop(() -> {
            try {
                acceptor.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return ls.localAddress();
    }

    private void onLoop(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            r.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /** The little server: reads a request line, answers with a header, the file and a trailer. */
    private void accepted(StreamSocket s, String name) throws IOException {
        s.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
        Connection c = new Connection(name, s);
        Pool pool = new Pool();
        Buf request = pool.createTempBuf(64);
        ChainWriter writer = new ChainWriter(pool).connection(c);
        boolean[] responding = new boolean[1];
        boolean serverCloses = name.equals("conn-2");
        c.onClose(x -> {
            pool.close();
            closed.countDown();
        });
        c.read().handler(ev -> {
            try {
                while (true) {
                    long got = c.recv(request);
                    if (got == Connection.AGAIN) {
                        return;
                    }
                    if (got == 0) {
                        loop.close(c); // the client closed after reading the response
                        return;
                    }
                    if (!responding[0] && request.last() == REQUEST.length) {
                        responding[0] = true;
                        c.closeAfterOutput(serverCloses);
                        Chain response = Chain.of(Buf.copyOf(pool, HEADER), Buf.ofFile(file, 0, FILE_SIZE),
                                Buf.copyOf(pool, TRAILER).lastBuf(true));
                        written(c, writer, writer.filter(response), serverCloses);
                        if (c.closed()) {
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                loop.close(c);
            }
        });
        c.write().handler(ev -> {
            if (!responding[0]) {
                return; // the first report of a new socket's writability
            }
            try {
                written(c, writer, writer.filter(null), serverCloses);
            } catch (IOException e) {
                loop.close(c);
            }
        });
        loop.add(c);
    }

    private void written(Connection c, ChainWriter writer, Status rc, boolean serverCloses) {
        if (rc == Status.AGAIN && !c.write().ready()) {
            full.countDown();
        }
        if (rc == Status.OK) {
            responded.countDown();
            if (serverCloses) {
                loop.close(c);
            }
        }
    }

    /** Sends the request and reads the whole response, after the server met a full socket if {@code waitFull}. */
    private byte[] fetch(InetSocketAddress address, boolean waitFull) throws Exception {
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.setSoTimeout(20_000);
            client.connect(address);
            OutputStream out = client.getOutputStream();
            out.write(REQUEST);
            out.flush();
            if (waitFull) {
                assertTrue(full.await(20, TimeUnit.SECONDS), "the server never met a full socket");
            }
            InputStream in = client.getInputStream();
            return in.readNBytes(HEADER.length + FILE_SIZE + TRAILER.length);
        }
    }

    private static Recording recording() {
        Recording r = new Recording();
        r.enable("sendchain.SendChain").withThreshold(Duration.ZERO);
        // at the start and the end of the recording's chunk: the last one comes at stop, with every count
        r.enable("sendchain.SendStatistics").with("period", "everyChunk");
        r.enable("sendchain.Connection");
        r.enable("sendchain.AcceptPaused");
        r.enable("sendchain.AcceptResumed");
        r.enable("sendchain.ThreadPoolWait").withThreshold(Duration.ZERO);
        return r;
    }

    private static List<RecordedEvent> events(Recording r, Path dir, String name) throws IOException {
        Path f = dir.resolve("rec-" + name + ".jfr");
        r.dump(f);
        return RecordingFile.readAllEvents(f);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> all, String type) {
        return all.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    private byte[] expected() {
        byte[] all = new byte[HEADER.length + FILE_SIZE + TRAILER.length];
        System.arraycopy(HEADER, 0, all, 0, HEADER.length);
        System.arraycopy(body, 0, all, HEADER.length, FILE_SIZE);
        System.arraycopy(TRAILER, 0, all, HEADER.length + FILE_SIZE, TRAILER.length);
        return all;
    }

    @Test
    void recordsSendChainsConnectionsAndAnAcceptPauseOfRealTraffic() throws Exception {
        start(PlatformConfig.defaults(), "jfr-loop");
        List<RecordedEvent> all;
        try (Recording r = recording()) {
            r.start();
            InetSocketAddress address = listen("jfr-listener");
            failAccepts.set(1); // the first accept meets EMFILE: the acceptor pauses, then accepts it
            assertArrayEquals(expected(), fetch(address, true));
            assertArrayEquals(expected(), fetch(address, false));
            // both connections closed on the loop (the client's EOF, the server's close) before the recording stops
            assertTrue(closed.await(20, TimeUnit.SECONDS), "connections not closed");
            r.stop();
            all = events(r, dir, "traffic");
        }
        long total = HEADER.length + FILE_SIZE + TRAILER.length;

        List<RecordedEvent> calls = named(all, "sendchain.SendChain").stream()
                .filter(e -> e.getString("connection").equals("conn-1")).toList();
        assertFalse(calls.isEmpty(), "no send-chain events");
        assertEquals(total, calls.stream().mapToLong(e -> e.getLong("bytes")).sum());
        assertEquals(FILE_SIZE, calls.stream().mapToLong(e -> e.getLong("sendfileBytes")).sum());
        assertEquals(HEADER.length + TRAILER.length, calls.stream().mapToLong(e -> e.getLong("writevBytes")).sum());
        assertEquals(0, calls.stream().mapToLong(e -> e.getLong("copyBytes")).sum());
        assertTrue(calls.stream().mapToLong(e -> e.getLong("eagain")).sum() >= 1, "the socket was full once");
        assertTrue(calls.stream().allMatch(e -> e.getString("platform").equals("linux")));
        assertTrue(calls.get(calls.size() - 1).getBoolean("done"));

        List<RecordedEvent> conns = named(all, "sendchain.Connection");
        RecordedEvent first = conns.stream().filter(e -> e.getString("connection").equals("conn-1")).findFirst()
                .orElseThrow();
        assertEquals("client EOF", first.getString("reason"));
        assertEquals(total, first.getLong("sent"));
        assertEquals(REQUEST.length, first.getLong("received"));
        assertEquals(FILE_SIZE, first.getLong("sendfileBytes"));
        assertEquals(1, first.getLong("responses"));
        assertEquals(calls.size(), first.getLong("sendChainCalls"));
        assertTrue(first.getLong("eagain") >= 1);
        assertTrue(first.getLong("lifetime") > 0);
        assertTrue(first.getLong("added") > 0);
        RecordedEvent second = conns.stream().filter(e -> e.getString("connection").equals("conn-2")).findFirst()
                .orElseThrow();
        assertEquals("server close", second.getString("reason"));
        assertEquals(total, second.getLong("sent"));
        assertTrue(conns.stream().noneMatch(e -> e.getString("connection").equals("jfr-listener")),
                "listeners are not reported as connections");

        List<RecordedEvent> paused = named(all, "sendchain.AcceptPaused");
        assertEquals(1, paused.size());
        assertEquals("EMFILE", paused.get(0).getString("errno"));
        assertEquals("jfr-listener", paused.get(0).getString("listener"));
        assertEquals(PAUSE_MILLIS, paused.get(0).getDuration("delay").toMillis());
        List<RecordedEvent> resumed = named(all, "sendchain.AcceptResumed");
        assertEquals(1, resumed.size());
        assertTrue(resumed.get(0).getDuration("stopped").toMillis() >= PAUSE_MILLIS - 1,
                "stopped " + resumed.get(0).getDuration("stopped"));

        List<RecordedEvent> stats = named(all, "sendchain.SendStatistics").stream()
                .filter(e -> e.getString("loop").equals("jfr-loop")).toList();
        assertEquals(2 * total, stats.stream().mapToLong(e -> e.getLong("bytes")).sum());
        assertEquals(2 * FILE_SIZE, stats.stream().mapToLong(e -> e.getLong("sendfileBytes")).sum());
        assertEquals(calls.size() + second.getLong("sendChainCalls"),
                stats.stream().mapToLong(e -> e.getLong("sendChainCalls")).sum());
    }

    @Test
    void recordsTheQueueWaitsOfThreadPoolSendfile() throws Exception {
        start(PlatformConfig.defaults().with(StandardPlatformOptions.AIO_THREADS, 2), "jfr-threaded-loop");
        List<RecordedEvent> all;
        try (Recording r = recording()) {
            r.start();
            InetSocketAddress address = listen("jfr-threaded-listener");
            assertArrayEquals(expected(), fetch(address, false));
            // the loop collected the pool's last sendfile once the writer said OK
            responded.countDown();
            assertTrue(responded.await(20, TimeUnit.SECONDS), "response not completed");
            r.stop();
            all = events(r, dir, "threaded");
        }
        List<RecordedEvent> waits = named(all, "sendchain.ThreadPoolWait");
        assertFalse(waits.isEmpty(), "no queue waits recorded");
        assertTrue(waits.stream().allMatch(e -> e.getString("task").equals("sendfile") && e.getLong("bytes") > 0));
        assertTrue(waits.stream().noneMatch(e -> e.getDuration().isNegative()));
        long sendfile = named(all, "sendchain.SendChain").stream().mapToLong(e -> e.getLong("sendfileBytes")).sum();
        assertEquals(FILE_SIZE, sendfile, "the pool's sendfile bytes, collected by the loop");
    }
}
