package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.StandardPlatformOptions;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The linux platform on the real kernel: byte counts per call, epoll reports, deferred close, adoption. */
class LinuxSocketTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Counts the bytes that go through each write-like call. */
    private static final class CountingKernel extends DelegatingKernel {
        final AtomicLong sendfileBytes = new AtomicLong();
        final AtomicLong writevBytes = new AtomicLong();
        final AtomicLong writeBytes = new AtomicLong();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicLong moreBytes = new AtomicLong();
        final AtomicInteger corks = new AtomicInteger();
        volatile CountDownLatch sendfileGate;
        volatile CountDownLatch sendfileEntered;

        CountingKernel() {
            super(new Syscalls());
        }

        @Override
        public long sendfile(int outFd, int inFd, long offset, long count) {
            CountDownLatch entered = sendfileEntered;
            if (entered != null) {
                entered.countDown();
            }
            CountDownLatch gate = sendfileGate;
            if (gate != null) {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            long n = super.sendfile(outFd, inFd, offset, count);
            if (n > 0) {
                sendfileBytes.addAndGet(n);
            }
            return n;
        }

        @Override
        public long writev(int fd, java.lang.foreign.MemorySegment iov, int iovcnt) {
            long n = super.writev(fd, iov, iovcnt);
            if (n > 0) {
                writevBytes.addAndGet(n);
            }
            return n;
        }

        @Override
        public long write(int fd, long address, long count) {
            long n = super.write(fd, address, count);
            if (n > 0) {
                writeBytes.addAndGet(n);
            }
            return n;
        }

        @Override
        public long send(int fd, long address, long count, int flags) {
            long n = super.send(fd, address, count, flags);
            if (n > 0 && (flags & Linux.MSG_MORE) != 0) {
                moreBytes.addAndGet(n);
            }
            return n;
        }

        @Override
        public int setsockopt(int fd, int level, int name, int value) {
            if (level == Linux.IPPROTO_TCP && name == Linux.TCP_CORK) {
                corks.incrementAndGet();
            }
            return super.setsockopt(fd, level, name, value);
        }

        @Override
        public int close(int fd) {
            closes.incrementAndGet();
            return super.close(fd);
        }
    }

    private record Pair(LinuxPlatform platform, Connection conn, Socket peer) {
    }

    private Pair pair(LinuxKernel k, PlatformConfig config) throws IOException {
        LinuxPlatform platform = new LinuxPlatform(k, config);
        toClose.add(platform);
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Connection lc = new Connection("listener", ls);
        Socket peer = new Socket(ls.localAddress().getAddress(), ls.localAddress().getPort());
        toClose.add(peer);
        StreamSocket s;
        try (IoDriver d = platform.newDriver()) {
            d.register(lc);
            while ((s = ls.accept(lc)) == null) {
                d.poll(10_000, ev -> { });
            }
            d.deregister(lc);
        }
        ls.close();
        Connection c = new Connection("test", s);
        toClose.add(c::close);
        return new Pair(platform, c, peer);
    }

    private static void sendAll(Connection c, Chain chain, Socket peer, byte[] into) throws IOException {
        InputStream in = peer.getInputStream();
        int got = 0;
        while (chain != null) {
            DriverEvents.ready(c.write(), true);
            chain = c.sendChain(chain, 0);
            if (chain != null && !c.write().ready()) {
                got += in.read(into, got, into.length - got);
            }
        }
        c.push(); // the response's last buf is out, as the write filter does
        while (got < into.length) {
            got += in.read(into, got, into.length - got);
        }
    }

    @Test
    void fileBytesTravelBySendfileAndOnlyTheHeaderIsWritten() throws IOException {
        CountingKernel k = new CountingKernel();
        Pair p = pair(k, PlatformConfig.defaults());
        FileRef f = p.platform().openFile(TestFiles.patternFile(dir, "f", 1 << 20));
        toClose.add(f);
        byte[] head = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Pool pool = new Pool()) {
            byte[] got = new byte[head.length + (1 << 20)];
            sendAll(p.conn(), Chain.of(Buf.copyOf(pool, head), Buf.ofFile(f, 0, 1 << 20), Buf.lastBufMarker()),
                    p.peer(), got);
            assertEquals(1 << 20, k.sendfileBytes.get(), "every file byte went through sendfile");
            assertEquals(head.length, k.writevBytes.get(), "writev carried the header only");
            assertEquals(0, k.writeBytes.get(), "nothing was copied through write");
            byte[] want = new byte[got.length];
            System.arraycopy(head, 0, want, 0, head.length);
            System.arraycopy(TestFiles.pattern(1 << 20), 0, want, head.length, 1 << 20);
            assertArrayEquals(want, got);
        }
    }

    @Test
    void withMsgMoreAHeaderAndSmallFilesGoWithoutACorkResponseAfterResponseAndArriveIntact() throws IOException {
        CountingKernel k = new CountingKernel();
        Pair p = pair(k, PlatformConfig.defaults().with(LinuxPlatform.MORE_MAX, 65536L));
        p.conn().stream().setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        FileRef f = p.platform().openFile(TestFiles.patternFile(dir, "small", 65536));
        toClose.add(f);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long files = 0;
        try (Pool pool = new Pool()) {
            for (int length : new int[] {1, 4096, 65536, 100, 4096}) {
                byte[] got = new byte[head.length + length];
                sendAll(p.conn(), Chain.of(Buf.copyOf(pool, head), Buf.ofFile(f, 0, length), Buf.lastBufMarker()),
                        p.peer(), got);
                files += length;
                byte[] want = new byte[got.length];
                System.arraycopy(head, 0, want, 0, head.length);
                System.arraycopy(TestFiles.pattern(65536), 0, want, head.length, length);
                assertArrayEquals(want, got, "response with a " + length + "-byte file");
            }
        }
        assertEquals(5L * head.length, k.moreBytes.get(), "every header went with MSG_MORE");
        assertEquals(0, k.corks.get(), "no cork was set or pulled");
        assertEquals(files, k.sendfileBytes.get());
        assertEquals(0, k.writevBytes.get() + k.writeBytes.get());
    }

    @Test
    void aFileOpenedByJavaCodeIsCopiedThroughWriteAndStillArrivesIntact() throws IOException {
        CountingKernel k = new CountingKernel();
        Pair p = pair(k, PlatformConfig.defaults());
        FileRef f = TestFiles.patternRef(dir, "java-opened", 300_000);
        toClose.add(f);
        byte[] got = new byte[300_000];
        sendAll(p.conn(), Chain.of(Buf.ofFile(f, 0, 300_000)), p.peer(), got);
        assertEquals(0, k.sendfileBytes.get());
        assertEquals(300_000, k.writeBytes.get());
        assertArrayEquals(TestFiles.pattern(300_000), got);
    }

    @Test
    void aFileWithoutADescriptorIsCopiedCountedAndWarnedAboutOncePerFile() throws IOException {
        CountingKernel k = new CountingKernel();
        Pair p = pair(k, PlatformConfig.defaults());
        FileRef big = FileRef.open(TestFiles.patternFile(dir, "java-opened-big.bin", 300_000));
        FileRef small = FileRef.open(TestFiles.patternFile(dir, "java-opened-small.bin", 5_000));
        FileRef viaPlatform = p.platform().openFile(TestFiles.patternFile(dir, "platform-opened.bin", 5_000));
        toClose.add(big);
        toClose.add(small);
        toClose.add(viaPlatform);
        byte[] head = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        String log = standardErrorOf(() -> {
            try (Pool pool = new Pool()) {
                for (FileRef f : new FileRef[] {big, small, big, viaPlatform}) {
                    int size = (int) f.size();
                    byte[] got = new byte[head.length + size];
                    sendAll(p.conn(), Chain.of(Buf.copyOf(pool, head), Buf.ofFile(f, 0, size),
                            Buf.lastBufMarker()), p.peer(), got);
                    byte[] want = new byte[got.length];
                    System.arraycopy(head, 0, want, 0, head.length);
                    System.arraycopy(TestFiles.pattern(size), 0, want, head.length, size);
                    assertArrayEquals(want, got, f.toString());
                }
            }
        });
        assertEquals(2, p.platform().copiedFiles(), "each java-opened ref counts once, however often it is sent");
        assertEquals(300_000 + 5_000 + 300_000, p.platform().copiedBytes());
        assertEquals(p.platform().copiedBytes(), k.writeBytes.get(), "the copied bytes went through write");
        assertEquals(5_000, k.sendfileBytes.get(), "the platform-opened file still went by sendfile");
        if (org.slf4j.LoggerFactory.getLogger(LinuxPlatform.class).isWarnEnabled()) {
            List<String> warnings = log.lines().filter(l -> l.contains("WARN")).toList();
            assertEquals(2, warnings.size(), log);
            assertEquals(1, warnings.stream().filter(l -> l.contains(big.toString())).count(), log);
            assertEquals(1, warnings.stream().filter(l -> l.contains(small.toString())).count(), log);
            assertTrue(warnings.get(0).contains("no zero-copy") && warnings.get(0).contains("Platform.openFile"),
                    warnings.get(0));
        }
    }

    /** What {@code action} wrote to {@code System.err}, where slf4j-simple writes (it looks the stream up each time). */
    private static String standardErrorOf(IoAction action) throws IOException {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    @Test
    void aSocketClosedUnderARunningSendfileTaskIsClosedOnceWhenTheTaskEnds() throws Exception {
        CountingKernel k = new CountingKernel();
        Pair p = pair(k, PlatformConfig.defaults().with(StandardPlatformOptions.AIO_THREADS, 1));
        FileRef f = p.platform().openFile(TestFiles.patternFile(dir, "f", 100_000));
        toClose.add(f);
        k.sendfileGate = new CountDownLatch(1);
        k.sendfileEntered = new CountDownLatch(1);
        Connection c = p.conn();
        DriverEvents.ready(c.write(), true);
        Chain in = Chain.of(Buf.ofFile(f, 0, 100_000));
        Chain rest = c.sendChain(in, 0);
        assertEquals(in, rest, "posting the task returns the chain unchanged");
        assertFalse(c.write().ready(), "the writer is held until the task completes");
        assertTrue(k.sendfileEntered.await(10, TimeUnit.SECONDS));
        int closesBefore = k.closes.get();
        c.close();
        assertEquals(closesBefore, k.closes.get(), "close(2) waits for the running task");
        k.sendfileGate.countDown();
        p.platform().sendfilePool().shutdown();
        assertTrue(p.platform().sendfilePool().awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(closesBefore + 1, k.closes.get(), "closed exactly once, after the task");
        c.close();
        assertEquals(closesBefore + 1, k.closes.get());
        assertEquals(0, p.platform().taskOverlaps());
    }

    @Test
    void epollReportsAPeerHalfCloseAsPendingEofOnTheReadEvent() throws IOException {
        Pair p = pair(new Syscalls(), PlatformConfig.defaults());
        Connection c = p.conn();
        try (IoDriver d = p.platform().newDriver()) {
            d.register(c);
            List<Event> seen = new ArrayList<>();
            d.poll(0, seen::add); // the first report: the new socket is writable
            p.peer().shutdownOutput();
            seen.clear();
            for (int i = 0; i < 100 && seen.stream().noneMatch(e -> e == e.connection().read()); i++) {
                d.poll(10_000, seen::add);
            }
            assertTrue(c.read().ready());
            assertTrue(DriverEvents.pendingEof(c.read()), "EPOLLRDHUP sets pendingEof");
            try (Pool pool = new Pool()) {
                Buf b = pool.createTempBuf(16);
                assertEquals(0, c.recv(b), "and the read sees the end of stream");
                assertTrue(c.read().eof());
            }
            d.deregister(c);
        }
    }

    @Test
    void dataFollowedByAHalfCloseInOneReportLeavesTheReadReadySoTheEndIsFoundWithoutAnotherEvent()
            throws IOException {
        Pair p = pair(new Syscalls(), PlatformConfig.defaults());
        p.peer().getOutputStream().write("last words".getBytes(StandardCharsets.US_ASCII));
        p.peer().shutdownOutput();
        Connection c = p.conn();
        try (Pool pool = new Pool(); IoDriver d = p.platform().newDriver()) {
            d.register(c);
            for (int i = 0; i < 100 && !DriverEvents.pendingEof(c.read()); i++) {
                d.poll(10_000, ev -> { });
            }
            assertTrue(DriverEvents.pendingEof(c.read()));
            Buf b = pool.createTempBuf(64);
            assertEquals(10, c.recv(b));
            // a short read would normally mean "drained, wait for the next edge"; but no edge announces a FIN
            // that arrived with the data, so the read stays ready and the next recv finds the end
            assertTrue(c.read().ready(), "ready after a short read with a pending EOF");
            assertEquals(0, c.recv(b));
            assertTrue(c.read().eof());
            d.deregister(c);
        }
    }

    @Test
    void aForgottenConnectionWhoseSocketStaysOpenNeverReachesTheConnectionThatTakesItsSlot() throws IOException {
        // a closed connection is forgotten without EPOLL_CTL_DEL; while a deferred close keeps its descriptor
        // alive its reports still come, and must not be taken for the slot's new occupant's
        Pair old = pair(new Syscalls(), PlatformConfig.defaults());
        Pair next = pair(new Syscalls(), PlatformConfig.defaults());
        try (IoDriver d = old.platform().newDriver()) {
            d.register(old.conn());
            d.poll(0, ev -> { });
            d.forget(old.conn());
            d.register(next.conn());
            assertEquals(DriverEvents.driverSlot(old.conn()), -1);
            DriverEvents.ready(next.conn().read(), false);
            old.peer().getOutputStream().write(1);
            List<Event> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                d.poll(50, seen::add);
            }
            assertTrue(seen.stream().noneMatch(e -> e == e.connection().read()), "a stale report reached the new occupant: " + seen);
            assertFalse(next.conn().read().ready());
            next.peer().getOutputStream().write(2);
            for (int i = 0; i < 100 && !next.conn().read().ready(); i++) {
                d.poll(10_000, ev -> { });
            }
            assertTrue(next.conn().read().ready(), "the new occupant's own reports still arrive");
            d.deregister(next.conn());
        }
    }

    @Test
    void aWakeupFromAnotherThreadEndsABlockedPoll() throws Exception {
        LinuxPlatform platform = new LinuxPlatform(new Syscalls(), PlatformConfig.defaults());
        try (IoDriver d = platform.newDriver()) {
            Thread waker = new Thread(d::wakeup);
            waker.start();
            d.poll(-1, ev -> { }); // returns only because of the wake-up
            waker.join();
        }
    }

    @Test
    void recvReadsWhatThePeerWroteAndThenReportsAgain() throws IOException {
        Pair p = pair(new Syscalls(), PlatformConfig.defaults());
        p.peer().getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        Connection c = p.conn();
        try (Pool pool = new Pool(); IoDriver d = p.platform().newDriver()) {
            d.register(c);
            while (!c.read().ready()) {
                d.poll(10_000, ev -> { });
            }
            Buf b = pool.createTempBuf(64);
            assertEquals(5, c.recv(b));
            assertEquals(Connection.AGAIN, c.recv(b));
            assertFalse(c.read().ready());
            assertEquals("hello", io.sendchain.testkit.RecordingFilter.text(b));
            d.deregister(c);
        }
    }

    @Test
    void openingAMissingFileNamesTheCallTheFileAndTheError() {
        LinuxPlatform platform = new LinuxPlatform(new Syscalls(), PlatformConfig.defaults());
        IOException e = assertThrows(IOException.class, () -> platform.openFile(dir.resolve("missing")));
        assertEquals("open() \"" + dir.resolve("missing") + "\" failed: No such file or directory", e.getMessage());
    }

    @Test
    void adoptingAChannelWithoutAccessToItsDescriptorSaysWhyAndWhatToDo() throws IOException {
        LinuxPlatform platform = new LinuxPlatform(new Syscalls(), PlatformConfig.defaults());
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        toClose.add(ls);
        try (SocketChannel ch = SocketChannel.open(ls.localAddress())) {
            IOException e = assertThrows(IOException.class, () -> platform.adopt(ch));
            assertTrue(e.getMessage().contains("does not grant access to its descriptor")
                    && e.getMessage().contains("--add-opens java.base/sun.nio.ch=ALL-UNNAMED"), e.getMessage());
        }
    }
}
