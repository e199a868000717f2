package io.sendchain.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import io.sendchain.testkit.FaultPlan.Fault;
import io.sendchain.testkit.FaultPlan.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every platform's send chain keeps, run through a real loopback connection whose reader is paused
 * and slow, and through the platform's fault-injecting kernel. A platform module subclasses it and says how to
 * make its platform with a {@link FaultPlan}; third-party providers do the same.
 *
 * <p>What is checked, for random chains of memory, file and special bufs with random limits: the bytes the peer
 * receives are the bytes the chain holds, in order, none lost or repeated; after every call the returned chain
 * starts at the first unsent byte and {@link Connection#sent()} counts exactly what went out; a call never sends
 * more than its limit plus the page rounding of a file run; EAGAIN clears {@code ready}; EINTR is retried; a
 * truncated file and a reset peer are errors, never a spin; no descriptor leaks; a sparse file over 4 GiB is sent
 * intact from an offset above 2 GiB.
 */
public abstract class SendChainContract {

    /** Makes the platform under test, its kernel calls going through {@code faults}. */
    protected abstract Platform openPlatform(FaultPlan faults) throws IOException;

    /**
     * The page size the platform rounds file runs to (the most a call may exceed its limit by, minus one): the
     * platform's own {@link Platform#pageSize()}.
     */
    protected long pageSize() {
        if (currentPlatform == null) {
            throw new IllegalStateException("open a pair first: the page size is its platform's");
        }
        return currentPlatform.pageSize();
    }

    /** A short write (without EAGAIN) may leave the write event ready; the contract allows either. */
    private static final int MAX_IDLE_CALLS = 3;

    @TempDir
    protected Path dir;

    private final Arena arena = Arena.ofShared();
    private final Pool pool = new Pool();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** The platform of the last pair opened: test files are opened through it. */
    private Platform currentPlatform;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
        pool.close();
        arena.close();
    }

    // ---------------------------------------------------------------- a connection with a controllable peer

    /** The platform's socket on one end, a blocking {@link Socket} read by the test on the other. */
    protected final class Pair implements AutoCloseable {
        public final Platform platform;
        public final Connection conn;
        public final Socket peer;
        public final FaultPlan faults;
        private final InputStream peerIn;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final byte[] chunk = new byte[64 * 1024];

        Pair(Platform platform, Connection conn, Socket peer, FaultPlan faults) throws IOException {
            this.platform = platform;
            this.conn = conn;
            this.peer = peer;
            this.faults = faults;
            this.peerIn = peer.getInputStream();
        }

        /** Bytes sent but not yet read by the peer. */
        public long inFlight() {
            return conn.sent() - received.size();
        }

        /** Reads some of what is in flight (at most {@code max}); never blocks without data on the way. */
        public void readSome(long max) throws IOException {
            long want = Math.min(max, inFlight());
            if (want <= 0) {
                return;
            }
            int n = peerIn.read(chunk, 0, (int) Math.min(want, chunk.length));
            if (n < 0) {
                fail("peer saw end of stream with " + inFlight() + " bytes in flight");
            }
            received.write(chunk, 0, n);
        }

        /** Reads everything in flight. */
        public void drain() throws IOException {
            while (inFlight() > 0) {
                readSome(Long.MAX_VALUE);
            }
        }

        public byte[] received() {
            return received.toByteArray();
        }

        @Override
        public void close() throws IOException {
            conn.close();
            peer.close();
            platform.close();
        }
    }

    /** Sets up the sending connection before a test uses it (socket options a provider's variant needs). */
    protected void prepare(Connection c) throws IOException {
    }

    /** Opens a loopback pair with small socket buffers, so the sender meets EAGAIN early. */
    protected Pair open(FaultPlan faults) throws IOException {
        Platform platform = openPlatform(faults);
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Connection lc = new Connection("listener", ls);
        Socket peer = new Socket();
        StreamSocket s;
        try (IoDriver driver = platform.newDriver()) {
            peer.setReceiveBufferSize(32 * 1024);
            peer.connect(ls.localAddress(), 10_000);
            driver.register(lc);
            int polls = 0;
            while ((s = ls.accept(lc)) == null) {
                if (++polls > 100) {
                    fail("the platform's listener never reported the connection");
                }
                driver.poll(10_000, ev -> { });
            }
            driver.deregister(lc);
        } finally {
            lc.close();
        }
        s.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
        Connection c = new Connection("contract", s);
        prepare(c);
        Pair p = new Pair(platform, c, peer, faults);
        toClose.add(p);
        currentPlatform = platform;
        return p;
    }

    // ---------------------------------------------------------------- random chains

    /** A chain and the bytes it holds, in order. */
    protected record Built(Chain chain, byte[] bytes) {
    }

    /** A pattern file opened the way the platform under test opens files ({@link Platform#openFile}). */
    protected FileRef patternFile(String name, int size) throws IOException {
        return openFile(TestFiles.patternFile(dir, name, size));
    }

    /** Opens {@code path} through the platform of the last pair opened; closed after the test. */
    protected FileRef openFile(Path path) throws IOException {
        if (currentPlatform == null) {
            throw new IllegalStateException("open a pair first: files are opened through its platform");
        }
        FileRef f = currentPlatform.openFile(path);
        toClose.add(f);
        return f;
    }

    /** A random chain of memory (some neighbours in one segment), file (some contiguous) and special bufs. */
    protected Built randomChain(Random rnd) throws IOException {
        int fileSize = 1 << 20;
        FileRef a = patternFile("a-" + rnd.nextInt(1 << 30), fileSize);
        FileRef b = patternFile("b-" + rnd.nextInt(1 << 30), fileSize);
        byte[] fileBytes = TestFiles.pattern(fileSize);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<Buf> bufs = new ArrayList<>();
        int links = 1 + rnd.nextInt(40);
        for (int i = 0; i < links; i++) {
            switch (rnd.nextInt(7)) {
                case 0 -> bufs.add(switch (rnd.nextInt(3)) {
                    case 0 -> Buf.flushBuf();
                    case 1 -> Buf.syncBuf();
                    default -> Buf.lastBufMarker();
                });
                case 1, 2 -> {
                    byte[] data = TestFiles.random(rnd, 1 + rnd.nextInt(20_000));
                    MemorySegment seg = arena.allocate(data.length);
                    MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, data.length);
                    if (data.length > 1 && rnd.nextBoolean()) {
                        // two neighbours in one segment: coalesced into one iovec entry
                        int cut = 1 + rnd.nextInt(data.length - 1);
                        bufs.add(Buf.temp(seg).last(cut));
                        bufs.add(Buf.temp(seg).last(data.length).pos(cut));
                    } else {
                        bufs.add(Buf.wrap(seg));
                    }
                    expected.writeBytes(data);
                }
                default -> {
                    FileRef f = rnd.nextBoolean() ? a : b;
                    int from = rnd.nextInt(fileSize - 1);
                    int to = Math.min(fileSize, from + 1 + rnd.nextInt(200_000));
                    if (to - from > 1 && rnd.nextBoolean()) {
                        // contiguous ranges of one file: one sendfile run
                        int cut = from + 1 + rnd.nextInt(to - from - 1);
                        bufs.add(Buf.ofFile(f, from, cut));
                        bufs.add(Buf.ofFile(f, cut, to));
                    } else {
                        bufs.add(Buf.ofFile(f, from, to));
                    }
                    expected.writeBytes(Arrays.copyOfRange(fileBytes, from, to));
                }
            }
        }
        if (rnd.nextInt(3) != 0) {
            // most chains are whole responses: the last buf lets a corking platform flush at the end
            bufs.add(Buf.lastBufMarker());
        }
        return new Built(Chain.of(bufs.toArray(Buf[]::new)), expected.toByteArray());
    }

    // ---------------------------------------------------------------- driving a send to the end

    /**
     * Sends {@code built} through {@code p} with {@code limit} per call, reading from the peer only when the send
     * chain reports the socket full, and checks every call's result; then checks the bytes received.
     */
    protected void sendAll(Pair p, Built built, long limit, Random rnd, String context) throws IOException {
        Connection c = p.conn;
        Chain chain = built.chain();
        boolean hasLast = false;
        for (Chain cl = chain; cl != null; cl = cl.next()) {
            hasLast |= cl.buf().lastBuf();
        }
        byte[] expected = built.bytes();
        long start = c.sent();
        long startReceived = p.received.size();
        int idle = 0;
        int calls = 0;
        DriverEvents.ready(c.write(), true);
        while (true) {
            long before = c.sent();
            int injectedEagains = p.faults.injected(Kind.EAGAIN);
            Chain rest = c.sendChain(chain, limit);
            long took = c.sent() - before;
            calls++;
            if (limit > 0) {
                assertTrue(took <= limit + pageSize() - 1,
                        context + ": call " + calls + " sent " + took + " with limit " + limit);
            }
            long done = c.sent() - start;
            assertEquals(expected.length - done, MemorySink.bytes(rest),
                    context + ": after call " + calls + " the returned chain must hold exactly the unsent bytes");
            if (done < expected.length) {
                assertEquals(expected[(int) done], firstByte(rest),
                        context + ": the returned chain must start at the first unsent byte (" + done + ")");
            }
            chain = rest;
            if (done == expected.length) {
                if (hasLast) {
                    c.push(); // as the write filter does once the last buf is out
                }
                break;
            }
            if (!c.write().ready()) {
                if (p.faults.injected(Kind.EAGAIN) == injectedEagains) {
                    // a real EAGAIN: the socket is full, make room. After an injected one it is not: reading
                    // could wait on bytes a cork holds back, so just retry.
                    p.readSome(1 + rnd.nextInt(48 * 1024));
                }
                DriverEvents.ready(c.write(), true); // the writable event the loop would deliver
                idle = 0;
            } else if (took == 0) {
                if (++idle > MAX_IDLE_CALLS) {
                    fail(context + ": " + idle + " calls made no progress while the socket was writable");
                }
            } else {
                idle = 0;
            }
        }
        p.drain();
        byte[] got = Arrays.copyOfRange(p.received(), (int) startReceived, p.received().length);
        assertEquals(expected.length, got.length, context + ": bytes received");
        assertArrayEquals(expected, got, context + ": bytes received differ from the chain's bytes");
    }

    private static byte firstByte(Chain cl) throws IOException {
        for (; cl != null; cl = cl.next()) {
            Buf b = cl.buf();
            if (b.special() || b.size() == 0) {
                continue;
            }
            if (b.inMemory()) {
                return b.segment().get(ValueLayout.JAVA_BYTE, b.pos());
            }
            ByteBuffer one = ByteBuffer.allocate(1);
            b.file().channel().read(one, b.filePos());
            return one.get(0);
        }
        throw new AssertionError("no data left in the chain");
    }

    private static long randomLimit(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 1 + rnd.nextInt(4096);
            default -> 1 + rnd.nextInt(300_000);
        };
    }

    // ---------------------------------------------------------------- the contract

    @RepeatedTest(12)
    void randomChainsArriveIntactThroughAPausedAndSlowReader() throws IOException {
        long seed = Seeds.seed(getClass().getSimpleName() + ".randomChainsArriveIntactThroughAPausedAndSlowReader");
        Random rnd = new Random(seed);
        Pair p = open(FaultPlan.none());
        for (int round = 0; round < 3; round++) {
            long limit = randomLimit(rnd);
            sendAll(p, randomChain(rnd), limit, rnd, "seed " + seed + " round " + round + " limit " + limit);
        }
    }

    @RepeatedTest(12)
    void randomChainsArriveIntactThroughAFaultyKernel() throws IOException {
        long seed = Seeds.seed(getClass().getSimpleName() + ".randomChainsArriveIntactThroughAFaultyKernel");
        Random rnd = new Random(seed);
        FaultPlan faults = FaultPlan.random(seed, 0.3);
        Pair p = open(faults);
        for (int round = 0; round < 3; round++) {
            long limit = randomLimit(rnd);
            sendAll(p, randomChain(rnd), limit, rnd, "seed " + seed + " round " + round + " limit " + limit);
        }
        assertTrue(faults.calls() > 0, "the kernel was used: " + faults);
    }

    @Test
    void thePlatformsPageSizeIsAPowerOfTwo() throws IOException {
        Pair p = open(FaultPlan.none());
        long ps = p.platform.pageSize();
        assertTrue(ps >= 512 && (ps & (ps - 1)) == 0, "Platform.pageSize() must be a power of two: " + ps);
    }

    @Test
    void eagainClearsReadyAndReturnsTheWholeChain() throws IOException {
        Pair p = open(FaultPlan.script(Fault.EAGAIN));
        Buf b = Buf.wrap(arena.allocate(1000));
        Chain in = Chain.of(b);
        DriverEvents.ready(p.conn.write(), true);
        Chain rest = p.conn.sendChain(in, 0);
        assertSame(in, rest);
        assertFalse(p.conn.write().ready());
        assertEquals(0, p.conn.sent());
        assertEquals(1000, b.size());
    }

    @Test
    void notReadyMeansNothingIsTried() throws IOException {
        FaultPlan plan = FaultPlan.none();
        Pair p = open(plan);
        Chain in = Chain.of(Buf.wrap(arena.allocate(10)));
        DriverEvents.ready(p.conn.write(), false);
        assertSame(in, p.conn.sendChain(in, 0));
        assertEquals(0, plan.calls());
    }

    @Test
    void eintrIsRetriedForMemoryAndFileBufs() throws IOException {
        FaultPlan plan = FaultPlan.script(Fault.EINTR, Fault.EINTR, Fault.EINTR);
        Pair p = open(plan);
        FileRef f = patternFile("eintr", 5000);
        Built built = new Built(Chain.of(Buf.copyOf(pool, new byte[] {1, 2, 3}),
                Buf.ofFile(f, 0, 5000)), concat(new byte[] {1, 2, 3}, TestFiles.pattern(5000)));
        DriverEvents.ready(p.conn.write(), true);
        Chain rest = p.conn.sendChain(built.chain(), 0);
        assertEquals(null, rest, "everything fits in the socket buffer; interruptions are retried");
        assertTrue(p.conn.write().ready());
        assertEquals(3, plan.injected(Kind.EINTR));
        p.drain();
        assertArrayEquals(built.bytes(), p.received());
    }

    @Test
    void aShortWriteLeavesTheChainAtTheFirstUnsentByte() throws IOException {
        Pair p = open(FaultPlan.script(Fault.shortBy(7), Fault.shortBy(100), Fault.shortBy(1)));
        FileRef f = patternFile("short", 3000);
        byte[] mem = TestFiles.random(new Random(1), 500);
        Built built = new Built(Chain.of(Buf.copyOf(pool, mem), Buf.ofFile(f, 0, 3000)),
                concat(mem, TestFiles.pattern(3000)));
        sendAll(p, built, 0, new Random(2), "short writes");
    }

    @Test
    void aFileTruncatedDuringASendIsAnErrorNotASpin() throws IOException {
        Path path = TestFiles.patternFile(dir, "truncated", 1 << 20);
        Pair p = open(FaultPlan.none());
        FileRef f = openFile(path);
        Chain chain = Chain.of(Buf.ofFile(f, 0, 1 << 20));
        DriverEvents.ready(p.conn.write(), true);
        chain = p.conn.sendChain(chain, 0);
        assertNotNull(chain, "1 MiB does not fit in the socket buffers at once");
        try (FileChannel w = FileChannel.open(path, StandardOpenOption.WRITE)) {
            w.truncate(p.conn.sent() + 10_000);
        }
        IOException error = null;
        for (int calls = 0; calls < 1000 && error == null; calls++) {
            p.readSome(Long.MAX_VALUE);
            DriverEvents.ready(p.conn.write(), true);
            try {
                chain = p.conn.sendChain(chain, 0);
            } catch (IOException e) {
                error = e;
            }
            assertNotNull(chain, "the send chain claimed to send bytes the file no longer has");
        }
        assertNotNull(error, "1000 calls without an error: the send chain spins on a truncated file");
        assertTrue(error.getMessage().contains("truncated") && error.getMessage().contains(path.toString()),
                error.getMessage());
    }

    @Test
    void aPeerResetIsAnErrorNamingTheCall() throws IOException {
        Pair p = open(FaultPlan.none());
        p.peer.setSoLinger(true, 0);
        p.peer.close(); // RST
        MemorySegment seg = arena.allocate(64 * 1024);
        IOException error = null;
        for (int calls = 0; calls < 50 && error == null; calls++) {
            DriverEvents.ready(p.conn.write(), true);
            try {
                p.conn.sendChain(Chain.of(Buf.wrap(seg)), 0);
            } catch (IOException e) {
                error = e;
            }
        }
        assertNotNull(error, "writing to a reset connection never failed");
        assertTrue(Pattern.compile("^\\w+\\(\\) failed: .+").matcher(error.getMessage()).find(), error.getMessage());
        assertTrue(p.conn.write().error(), "the write event is marked in error");
    }

    @Test
    void anInjectedResetIsAnErrorNamingTheCall() throws IOException {
        Pair p = open(FaultPlan.script(Fault.RESET));
        DriverEvents.ready(p.conn.write(), true);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> p.conn.sendChain(Chain.of(Buf.wrap(arena.allocate(100))), 0));
        assertTrue(Pattern.compile("^\\w+\\(\\) failed: .*reset", Pattern.CASE_INSENSITIVE)
                .matcher(e.getMessage()).find(), e.getMessage());
    }

    @Test
    void noDescriptorLeaks() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        Assumptions.assumeTrue(Files.isDirectory(fds), "descriptor counting needs /proc/self/fd");
        // warm up lazily opened JDK descriptors before counting
        try (Pair p = open(FaultPlan.none())) {
            FileRef f = patternFile("fd-warm", 100_000);
            sendAll(p, new Built(Chain.of(Buf.ofFile(f, 0, 100_000)), TestFiles.pattern(100_000)), 0,
                    new Random(3), "warm-up");
        }
        long before = countFds(fds);
        for (int i = 0; i < 10; i++) {
            try (Pair p = open(FaultPlan.none())) {
                try (FileRef f = p.platform.openFile(TestFiles.patternFile(dir, "fd-" + i, 100_000))) {
                    sendAll(p, new Built(Chain.of(Buf.ofFile(f, 0, 100_000)), TestFiles.pattern(100_000)), 0,
                            new Random(i), "cycle " + i);
                }
            }
        }
        assertEquals(before, countFds(fds), "open descriptors before and after 10 connections");
    }

    private static long countFds(Path fds) throws IOException {
        try (var s = Files.list(fds)) {
            return s.count();
        }
    }

    @Test
    void aSparseFileOver4GiBIsSentIntactFromOffsetsAbove2GiB() throws IOException {
        Path path = dir.resolve("sparse-over-4g");
        long twoG = 1L << 31;
        long fourG = 1L << 32;
        long[][] ranges = {{twoG + 777, twoG + 777 + 300_000}, {fourG - 150_000, fourG + 250_000}};
        Random rnd = new Random(4);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (FileChannel w = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long[] r : ranges) {
                byte[] data = TestFiles.random(rnd, (int) (r[1] - r[0]));
                w.write(ByteBuffer.wrap(data), r[0]);
                expected.writeBytes(data);
            }
            w.write(ByteBuffer.wrap(new byte[] {1}), fourG + (1 << 20)); // the file is 4 GiB + 1 MiB, mostly holes
        }
        Pair p = open(FaultPlan.none());
        FileRef f = openFile(path);
        assertTrue(f.size() > fourG);
        Chain chain = Chain.of(Buf.ofFile(f, ranges[0][0], ranges[0][1]), Buf.ofFile(f, ranges[1][0], ranges[1][1]));
        sendAll(p, new Built(chain, expected.toByteArray()), 0, rnd, "sparse file");
    }

    @Test
    void theLimitHoldsForMemoryAndIsExceededForFilesOnlyByThePageRounding() throws IOException {
        Pair p = open(FaultPlan.none());
        FileRef f = patternFile("limit", 1 << 20);
        Random rnd = new Random(5);
        // a cut at 1000 inside the file is rounded up to the page boundary (4096 on most machines)
        Chain chain = Chain.of(Buf.ofFile(f, 0, 1 << 20));
        DriverEvents.ready(p.conn.write(), true);
        long before = p.conn.sent();
        p.conn.sendChain(chain, 1000);
        long took = p.conn.sent() - before;
        assertTrue(took >= 1000 - 0 && took <= 1000 + pageSize() - 1, "took " + took);
        p.drain();
        byte[] mem = TestFiles.random(rnd, 50_000);
        Built built = new Built(Chain.of(Buf.copyOf(pool, mem)), mem);
        DriverEvents.ready(p.conn.write(), true);
        before = p.conn.sent();
        p.conn.sendChain(built.chain(), 1000);
        assertTrue(p.conn.sent() - before <= 1000, "memory is never sent past the limit");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
