package io.sendchain.platform.darwin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.platform.darwin.DarwinPlatformProvider;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.posix.PosixLayouts;
import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.lang.foreign.MemoryLayout.PathElement;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The macOS send chain's own edges, on the emulated kernel, and the macOS layouts. */
class DarwinSendChainTest {

    @TempDir
    Path dir;

    private final Pool pool = new Pool();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EmulatedDarwinKernel kernel;
    private DarwinPlatform platform;
    private Connection c;
    private Socket peer;

    @BeforeEach
    void open() throws IOException {
        kernel = new EmulatedDarwinKernel(FaultPlan.none());
        platform = new DarwinPlatform(kernel, PlatformConfig.defaults());
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        Connection lc = new Connection("listener", ls);
        peer = new Socket(ls.localAddress().getAddress(), ls.localAddress().getPort());
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
        c = new Connection("darwin", s);
        toClose.add(c::close);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        pool.close();
    }

    private Buf mem(String text) {
        return Buf.copyOf(pool, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private FileRef file(String name, int size) throws IOException {
        FileRef f = platform.openFile(TestFiles.patternFile(dir, name, size));
        toClose.add(f);
        return f;
    }

    @Test
    void theHeaderGoesWithTheFileAndLenCountsBoth() throws IOException {
        FileRef f = file("f", 4000);
        assertNull(c.sendChain(Chain.of(mem("HEAD"), Buf.ofFile(f, 0, 4000)), 0));
        assertEquals(1, kernel.sendfileCalls.get());
        assertEquals(4004, kernel.lastLenIn, "len in: header bytes and file bytes");
        assertEquals(1, kernel.lastHeaderCount);
        assertEquals(4004, c.sent(), "len out: every byte sent");
        byte[] got = peer.getInputStream().readNBytes(4004);
        assertArrayEquals(TestFiles.pattern(4000), java.util.Arrays.copyOfRange(got, 4, 4004));
    }

    @Test
    void aTrailerRidesAlongOnlyWithoutAHeader() throws IOException {
        FileRef f = file("f", 1000);
        c.sendChain(Chain.of(mem("H"), Buf.ofFile(f, 0, 1000), mem("T")), 0);
        assertEquals(0, kernel.lastTrailerCount, "with a header the trailer waits for a writev");
        int calls = kernel.sendfileCalls.get();
        c.sendChain(Chain.of(Buf.ofFile(f, 0, 1000), mem("TAIL")), 0);
        assertEquals(calls + 1, kernel.sendfileCalls.get());
        assertEquals(1, kernel.lastTrailerCount, "without a header the trailer goes in the same sendfile");
        assertEquals(1002 + 1004, c.sent());
    }

    @Test
    void theTrailerIsLeftOutAtTheLimit() throws IOException {
        FileRef f = file("f", 8192);
        Chain rest = c.sendChain(Chain.of(Buf.ofFile(f, 0, 8192), mem("T")), 8192);
        assertEquals(0, kernel.lastTrailerCount);
        assertEquals(8192, c.sent());
        assertEquals(1, rest.buf().size());
    }

    @Test
    void aSendLeavesNoBufOfItsResponseInTheThreadsScratch() throws IOException {
        FileRef f = file("f", 1000);
        assertNull(c.sendChain(Chain.of(mem("H"), Buf.ofFile(f, 0, 1000), mem("T")), 0));
        assertNull(c.sendChain(Chain.of(Buf.ofFile(f, 0, 1000), mem("TAIL")), 0));
        io.sendchain.spi.posix.PosixScratch s = platform.sendScratch();
        assertEquals(0, s.header.count());
        assertEquals(0, s.trailer.count());
        assertNull(s.run.first());
        assertNull(s.run.next());
    }

    @Test
    void aMemoryOnlyChainUsesWritev() throws IOException {
        assertNull(c.sendChain(Chain.of(mem("abc"), mem("def")), 0));
        assertEquals(0, kernel.sendfileCalls.get());
        assertEquals("abcdef", new String(peer.getInputStream().readNBytes(6), StandardCharsets.ISO_8859_1));
    }

    @Test
    void aPendingEofFailsTheCallBeforeAnySystemCall() {
        DriverEvents.pendingEof(c.write(), true);
        DriverEvents.kqErrno(c.write(), BsdEmulation.EPIPE);
        int before = kernel.syscalls.get();
        IOException e = assertThrows(IOException.class, () -> c.sendChain(Chain.of(mem("x")), 0));
        assertEquals("kevent() reported about a closed connection: Broken pipe", e.getMessage());
        assertEquals(before, kernel.syscalls.get());
    }

    @Test
    void kqueueReportsAnEofOnTheWriteFilterAsPendingEof() throws IOException {
        try (IoDriver d = platform.newDriver()) {
            d.register(c);
            d.poll(0, ev -> { });
            kernel.os.injectPendingEof(((DarwinStreamSocket) c.stream()).fd(), BsdEmulation.EPIPE);
            List<Event> seen = new ArrayList<>();
            d.poll(10_000, seen::add);
            assertTrue(DriverEvents.pendingEof(c.write()));
            assertEquals(BsdEmulation.EPIPE, DriverEvents.kqErrno(c.write()));
            d.deregister(c);
        }
    }

    @Test
    void everySocketIsMadeNonBlockingWithFcntlBecauseMacOsHasNoSockNonblock() {
        assertTrue(kernel.nonBlocking(((DarwinStreamSocket) c.stream()).fd()));
    }

    @Test
    void onLinuxTheProviderSaysItNeedsMacOs() {
        var a = new DarwinPlatformProvider().probe();
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("mac")) {
            return;
        }
        assertFalse(a.available());
        assertEquals("needs macOS; this is " + System.getProperty("os.name"), a.reason());
    }

    @Test
    void layoutsMatchMacOsHeaders() {
        assertEquals(32, PosixLayouts.SF_HDTR.byteSize());
        assertEquals(8, PosixLayouts.SF_HDTR.byteOffset(PathElement.groupElement("hdr_cnt")));
        assertEquals(16, PosixLayouts.SF_HDTR.byteOffset(PathElement.groupElement("trailers")));
        assertEquals(32, DarwinLayouts.KEVENT.byteSize(), "macOS's kevent has no ext[] array");
        assertEquals(16, DarwinLayouts.KEVENT.byteOffset(PathElement.groupElement("data")));
        assertEquals(24, DarwinLayouts.KEVENT.byteOffset(PathElement.groupElement("udata")));
        assertEquals(16, PosixLayouts.BSD_SOCKADDR_IN.byteSize());
        assertEquals(28, PosixLayouts.BSD_SOCKADDR_IN6.byteSize());
        assertEquals(30, Darwin.AF_INET6);
        assertEquals(-10, Darwin.EVFILT_USER);
    }
}
