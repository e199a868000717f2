package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.ErrnoException;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.Splicer;
import io.sendchain.testkit.Seeds;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The linux splicer on the real kernel: splice(2) between loopback sockets through pooled pipes. */
@Timeout(30)
class LinuxSplicerTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LinuxPlatform platform;
    private IoDriver driver;
    private long fdsBefore;

    /** The JDK opens a socket of its own on its first network use (and keeps it): that is before any baseline. */
    @org.junit.jupiter.api.BeforeAll
    static void warmUp() throws IOException {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket s = new Socket(ss.getInetAddress(), ss.getLocalPort());
                Socket a = ss.accept()) {
            s.getOutputStream().write(1);
            a.getInputStream().read();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        platform = new LinuxPlatform(new Syscalls(), PlatformConfig.defaults());
        driver = platform.newDriver();
        fdsBefore = openDescriptors();
    }

    /** Closes what the test opened (pipes with their splicers, sockets); then the descriptors are as before. */
    @AfterEach
    void tearDown() throws Exception {
        try {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                toClose.get(i).close();
            }
            assertEquals(fdsBefore, openDescriptors(), "descriptors left open");
        } finally {
            driver.close();
            platform.close();
        }
    }

    /**
     * Pipes and sockets this process has open, from {@code /proc/self/fd} (jars the class loader opens on the way are
     * left out).
     */
    private static long openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("pipe:") || target.startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed meanwhile (the listing's own descriptor)
                }
            }).count();
        }
    }

    /** A connection of the platform (registered with the test's driver) and the Java socket at its other end. */
    private record Pair(Connection conn, Socket peer) {
    }

    private Pair pair() throws IOException {
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Connection lc = new Connection("listener", ls);
        Socket peer = new Socket(ls.localAddress().getAddress(), ls.localAddress().getPort());
        toClose.add(peer);
        StreamSocket s;
        driver.register(lc);
        while ((s = ls.accept(lc)) == null) {
            driver.poll(10_000, ev -> { });
        }
        driver.deregister(lc);
        ls.close();
        Connection c = new Connection("test", s);
        driver.register(c);
        toClose.add(() -> {
            driver.deregister(c);
            c.close();
        });
        return new Pair(c, peer);
    }

    private Splicer splicer(long pipeSize, int idle) {
        assertTrue(platform.supportsSplice());
        Splicer s = platform.newSplicer(pipeSize, idle);
        toClose.add(s);
        return s;
    }

    @Test
    void aQuarterMegabyteCrossesThroughAOnePagePipeIntactInPartialMovesNoneLargerThanAsked() throws Exception {
        long seed = Seeds.seed("LinuxSplicerTest.partial");
        Random rnd = new Random(seed);
        byte[] data = new byte[256 << 10];
        rnd.nextBytes(data);
        Pair up = pair();
        Pair down = pair();
        Splicer sp = splicer(4096, 4);
        Splicer.Pipe p = sp.acquire();
        assertEquals(4096, p.capacity(), "F_SETPIPE_SZ to one page");
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = up.peer().getOutputStream()) {
                for (int i = 0; i < data.length; i += 10_000) {
                    out.write(data, i, Math.min(10_000, data.length - i));
                }
                up.peer().shutdownOutput();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return down.peer().getInputStream().readNBytes(data.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Connection u = up.conn();
        Connection c = down.conn();
        boolean eof = false;
        long moved = 0;
        int partial = 0;
        while (!eof || p.bytes() > 0) {
            boolean progress = false;
            if (!eof && u.read().ready()) {
                long max = 1 + rnd.nextInt(20_000);
                long n = sp.receive(u, p, max);
                assertTrue(n <= max && n <= p.capacity(), "moved " + n + " of at most " + max + " (seed " + seed + ")");
                if (n == 0) {
                    eof = true;
                    assertTrue(u.read().eof());
                    assertFalse(u.read().ready());
                } else if (n > 0) {
                    progress = true;
                    partial += n < max ? 1 : 0;
                }
            }
            if (p.bytes() > 0 && c.write().ready()) {
                long max = 1 + rnd.nextInt((int) p.bytes());
                long before = p.bytes();
                long n = sp.transmit(p, c, max, false);
                if (n > 0) {
                    assertTrue(n <= max);
                    assertEquals(before - n, p.bytes());
                    moved += n;
                    progress = true;
                }
            }
            if (!progress) {
                driver.poll(10_000, ev -> { });
            }
        }
        assertArrayEquals(data, reader.get(20, TimeUnit.SECONDS), "seed " + seed);
        writer.get(20, TimeUnit.SECONDS);
        assertEquals(data.length, moved);
        assertEquals(data.length, c.sent(), "transmitted bytes count as sent");
        assertEquals(data.length, sp.bytesTransmitted());
        assertTrue(partial > 0, "a one-page pipe makes some moves partial (seed " + seed + ")");
        sp.release(p);
        assertEquals(1, sp.idlePipes());
    }

    @Test
    void aReceiveFromAnEmptySocketIsAgainAndClearsReadyButAFullPipeLeavesReadySet() throws Exception {
        Pair up = pair();
        Splicer sp = splicer(4096, 4);
        Splicer.Pipe p = sp.acquire();
        Connection u = up.conn();
        DriverEvents.ready(u.read(), true);
        assertEquals(Connection.AGAIN, sp.receive(u, p, 1000));
        assertFalse(u.read().ready(), "an empty pipe had room: the socket was empty");

        up.peer().getOutputStream().write(new byte[200_000]);
        while (!u.read().ready()) {
            driver.poll(10_000, ev -> { });
        }
        long in = 0;
        long n;
        while ((n = sp.receive(u, p, 100_000)) > 0) {
            in += n;
        }
        assertEquals(Connection.AGAIN, n);
        assertEquals(in, p.bytes());
        assertTrue(in > 0 && in <= p.capacity(), "held " + in);
        assertTrue(u.read().ready(), "the pipe was full, the socket still has data: ready stays set");
        sp.release(p); // bytes in it: closed, not pooled
        assertEquals(0, sp.idlePipes());
        assertEquals(0, sp.openPipes());
        assertFalse(p.isOpen());
    }

    @Test
    void aTransmitIntoAFullSocketIsAgainAndClearsWriteReady() throws Exception {
        Pair up = pair();
        Pair down = pair();
        down.conn().stream().setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4096);
        Splicer sp = splicer(65536, 4);
        Splicer.Pipe p = sp.acquire();
        Connection u = up.conn();
        Connection c = down.conn();
        up.peer().getOutputStream().write(new byte[1 << 20]);
        DriverEvents.ready(c.write(), true);
        long sent = 0;
        for (;;) {
            if (p.bytes() == 0) {
                DriverEvents.ready(u.read(), true);
                long n = sp.receive(u, p, 65536);
                if (n == Connection.AGAIN) {
                    driver.poll(10_000, ev -> { });
                }
                continue;
            }
            long n = sp.transmit(p, c, p.bytes(), true);
            if (n == Connection.AGAIN) {
                break;
            }
            sent += n;
        }
        assertFalse(c.write().ready(), "the peer reads nothing: the socket filled up");
        assertEquals(sent, c.sent());
        assertTrue(p.bytes() > 0);
        sp.release(p);
    }

    @Test
    void theEndOfTheStreamIsZeroWithEofSet() throws Exception {
        Pair up = pair();
        Splicer sp = splicer(65536, 4);
        Splicer.Pipe p = sp.acquire();
        up.peer().getOutputStream().write(new byte[] {1, 2, 3});
        up.peer().shutdownOutput();
        Connection u = up.conn();
        DriverEvents.ready(u.read(), true);
        long total = 0;
        long n;
        while ((n = sp.receive(u, p, 1000)) != 0) {
            if (n == Connection.AGAIN) {
                driver.poll(10_000, ev -> { });
            } else {
                total += n;
            }
        }
        assertEquals(3, total);
        assertTrue(u.read().eof());
        try (Pool pool = new Pool()) {
            Buf b = pool.tempBuf(new Buf(), 16);
            assertEquals(3, sp.drain(p, b), "drain copies what the pipe holds");
            assertEquals(0, p.bytes());
            assertEquals(2, b.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, b.start() + 1));
        }
        sp.release(p);
        assertEquals(1, sp.idlePipes(), "an empty pipe goes back to the pool");
    }

    @Test
    void aResetPeerIsAnErrnoExceptionNamingSpliceAndTheErrno() throws Exception {
        Pair up = pair();
        Pair down = pair();
        Splicer sp = splicer(65536, 4);
        Splicer.Pipe p = sp.acquire();
        Connection u = up.conn();
        Connection c = down.conn();
        up.peer().getOutputStream().write(new byte[1000]);
        DriverEvents.ready(u.read(), true);
        while (p.bytes() < 1000) {
            if (sp.receive(u, p, 1000) == Connection.AGAIN) {
                driver.poll(10_000, ev -> { });
            }
        }
        down.peer().setSoLinger(true, 0);
        down.peer().close(); // RST
        ErrnoException e = null;
        DriverEvents.ready(c.write(), true);
        // the first splice after the reset may still be taken by the socket; the one after it fails
        for (int i = 0; i < 100 && e == null; i++) {
            try {
                if (p.bytes() == 0) {
                    DriverEvents.ready(u.read(), true);
                    up.peer().getOutputStream().write(new byte[1000]);
                    while (sp.receive(u, p, 1000) == Connection.AGAIN) {
                        driver.poll(10_000, ev -> { });
                    }
                }
                sp.transmit(p, c, p.bytes(), false);
            } catch (ErrnoException x) {
                e = x;
            }
        }
        assertTrue(e != null, "the reset was never reported");
        assertEquals("splice", e.call());
        assertNotEquals(0, e.errno());
        assertTrue(e.getMessage().startsWith("splice() failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("reset") || e.getMessage().contains("Broken pipe"), e.getMessage());
        assertTrue(c.write().error());
        sp.release(p);
    }

    @Test
    void misuseIsRefusedNamingTheCondition() throws Exception {
        Pair up = pair();
        Splicer sp = splicer(65536, 1);
        Splicer.Pipe p = sp.acquire();
        Connection u = up.conn();
        assertThrows(IllegalStateException.class, () -> sp.transmit(p, u, 10, false), "an empty pipe");
        assertThrows(IllegalArgumentException.class, () -> sp.receive(u, p, 0));
        Connection foreign = new Connection("foreign", org.mockito.Mockito.mock(StreamSocket.class));
        assertThrows(IllegalArgumentException.class, () -> sp.receive(foreign, p, 10));
        Splicer other = splicer(65536, 1);
        assertThrows(IllegalArgumentException.class, () -> other.release(p));
        sp.release(p);
        assertThrows(IllegalStateException.class, () -> sp.release(p), "released twice");
        assertThrows(IllegalStateException.class, () -> sp.receive(u, p, 10), "a released pipe");
        assertThrows(IllegalArgumentException.class, () -> platform.newSplicer(100, 1));
    }

    @Test
    void thePoolIsBoundedAndClosingTheSplicerClosesEveryPipeLentOrIdle() throws Exception {
        long base = openDescriptors();
        Splicer sp = platform.newSplicer(65536, 2);
        toClose.add(sp);
        List<Splicer.Pipe> lent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lent.add(sp.acquire());
        }
        assertEquals(5, sp.openPipes());
        assertEquals(base + 10, openDescriptors(), "two descriptors per pipe");
        for (int i = 0; i < 4; i++) {
            sp.release(lent.get(i));
        }
        assertEquals(2, sp.idlePipes(), "at most two idle pipes are kept");
        assertEquals(3, sp.openPipes());
        assertFalse(lent.get(3).isOpen(), "released into a full pool: closed");
        assertSame(lent.get(1), sp.acquire(), "the most recently pooled pipe is lent first");
        sp.close();
        assertEquals(0, sp.openPipes());
        assertFalse(lent.get(4).isOpen());
        sp.release(lent.get(4)); // closed under its borrower: releasing it does nothing
        assertThrows(IllegalStateException.class, sp::acquire);
        assertEquals(base, openDescriptors(), "every pipe descriptor is closed");
    }
}
