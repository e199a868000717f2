package io.sendchain.platform.freebsd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.DriverEvents;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.platform.freebsd.FreeBsdPlatformProvider;
import io.sendchain.spi.EventPoster;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.testkit.BsdEmulation;
import io.sendchain.testkit.FaultPlan;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FreeBSD send chain's own edges, on the emulated kernel: trailers, EBUSY, nbytes, pending EOF, TCP_NOPUSH. */
class FreeBsdSendChainTest {

    @TempDir
    Path dir;

    private final Pool pool = new Pool();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EmulatedFreeBsdKernel kernel;
    private FreeBsdPlatform platform;
    private Connection c;
    private Socket peer;

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        pool.close();
    }

    private void open(boolean nbytesBug) throws IOException {
        kernel = new EmulatedFreeBsdKernel(FaultPlan.none(), nbytesBug);
        platform = new FreeBsdPlatform(kernel,
                PlatformConfig.defaults().with(FreeBsdPlatform.NBYTES_BUG, nbytesBug));
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
        c = new Connection("freebsd", s);
        toClose.add(c::close);
    }

    private Buf mem(String text) {
        return Buf.copyOf(pool, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private FileRef file(String name, int size) throws IOException {
        FileRef f = platform.openFile(TestFiles.patternFile(dir, name, size));
        toClose.add(f);
        return f;
    }

    private byte[] read(int n) throws IOException {
        InputStream in = peer.getInputStream();
        return in.readNBytes(n);
    }

    @Test
    void headerFileAndTrailerGoInOneSendfile() throws IOException {
        open(false);
        FileRef f = file("f", 5000);
        assertNull(c.sendChain(Chain.of(mem("HEAD"), Buf.ofFile(f, 0, 5000), mem("TAIL"), Buf.lastBufMarker()), 0));
        assertEquals(1, kernel.sendfileCalls.get());
        assertEquals(5008, c.sent());
        byte[] got = read(5008);
        assertEquals("HEAD", new String(got, 0, 4, StandardCharsets.ISO_8859_1));
        assertArrayEquals(TestFiles.pattern(5000), java.util.Arrays.copyOfRange(got, 4, 5004));
        assertEquals("TAIL", new String(got, 5004, 4, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSendLeavesNoBufOfItsResponseInTheThreadsScratch() throws IOException {
        open(false);
        FileRef f = file("f", 3000);
        assertNull(c.sendChain(Chain.of(mem("HEAD"), Buf.ofFile(f, 0, 3000), mem("TAIL"), Buf.lastBufMarker()), 0));
        assertScratchHoldsNoBuf();
        // a call that returns early (EBUSY: the pages are not in memory yet) clears it as well
        DriverEvents.poster(c.write(), mock(EventPoster.class));
        kernel.script.add(EmulatedFreeBsdKernel.Outcome.EBUSY_AFTER_HEADERS);
        assertTrue(c.sendChain(Chain.of(mem("HEAD"), Buf.ofFile(f, 0, 3000), mem("TAIL")), 0).buf().inFile());
        assertScratchHoldsNoBuf();
    }

    private void assertScratchHoldsNoBuf() {
        io.sendchain.spi.posix.PosixScratch s = platform.sendScratch();
        assertEquals(0, s.header.count());
        assertEquals(0, s.trailer.count());
        assertNull(s.run.first());
        assertNull(s.run.next());
    }

    @Test
    void theTrailerIsLeftOutWhenTheFileReachesTheLimitAndGoesNextTime() throws IOException {
        open(false);
        FileRef f = file("f", 8192);
        Buf trailer = mem("TAIL");
        Chain in = Chain.of(Buf.ofFile(f, 0, 8192), trailer);
        Chain rest = c.sendChain(in, 8192);
        assertEquals(8192, c.sent());
        assertSame(trailer, rest.buf(), "the trailer waits for the next call");
        assertNull(c.sendChain(rest, 0));
        assertEquals(8196, c.sent());
    }

    @Test
    void theNbytesBugModeCountsTheHeadersInNbytes() throws IOException {
        open(true);
        FileRef f = file("f", 3000);
        c.sendChain(Chain.of(mem("0123456789"), Buf.ofFile(f, 0, 3000)), 0);
        assertEquals(3010, kernel.lastNbytes);
        assertArrayEquals(TestFiles.pattern(3000), java.util.Arrays.copyOfRange(read(3010), 10, 3010));
    }

    @Test
    void withoutTheNbytesBugNbytesIsTheFilePartOnly() throws IOException {
        open(false);
        FileRef f = file("f", 3000);
        c.sendChain(Chain.of(mem("0123456789"), Buf.ofFile(f, 0, 3000)), 0);
        assertEquals(3000, kernel.lastNbytes);
    }

    @Test
    void ebusyWithNothingSentBumpsTheBusyCountPostsTheEventAndReturnsTheChain() throws IOException {
        open(false);
        FileRef f = file("f", 3000);
        EventPoster poster = mock(EventPoster.class);
        DriverEvents.poster(c.write(), poster);
        FreeBsdStreamSocket socket = (FreeBsdStreamSocket) c.stream();
        for (int i = 1; i <= 3; i++) {
            kernel.script.add(EmulatedFreeBsdKernel.Outcome.EBUSY_NOTHING_SENT);
            Chain in = Chain.of(Buf.ofFile(f, 0, 3000));
            assertSame(in, c.sendChain(in, 0));
            assertEquals(FreeBsd.SF_NODISKIO, kernel.lastSendfileFlags, "SF_NODISKIO while the count is low");
            assertEquals(i, socket.busyCount());
            assertTrue(c.write().ready(), "EBUSY is not EAGAIN: the socket is writable");
        }
        verify(poster, org.mockito.Mockito.times(3)).postNext(c.write());
        // busy three times with nothing sent: the next call may block on the disk
        assertNull(c.sendChain(Chain.of(Buf.ofFile(f, 0, 3000)), 0));
        assertEquals(0, kernel.lastSendfileFlags);
        assertEquals(0, socket.busyCount());
    }

    @Test
    void ebusyAfterTheHeadersCountsWhatWasSentAndResetsTheBusyCount() throws IOException {
        open(false);
        FileRef f = file("f", 3000);
        kernel.script.add(EmulatedFreeBsdKernel.Outcome.EBUSY_AFTER_HEADERS);
        Buf head = mem("HEADER");
        Chain in = Chain.of(head, Buf.ofFile(f, 0, 3000));
        Chain rest = c.sendChain(in, 0);
        assertEquals(6, c.sent());
        assertEquals(0, head.size());
        assertTrue(rest.buf().inFile());
        assertEquals(0, ((FreeBsdStreamSocket) c.stream()).busyCount());
    }

    @Test
    void eagainAfterAWholePartIsAHintThatClearsReady() throws IOException {
        open(false);
        FileRef f = file("f", 3000);
        kernel.script.add(EmulatedFreeBsdKernel.Outcome.EAGAIN_AFTER_ALL);
        Chain rest = c.sendChain(Chain.of(Buf.ofFile(f, 0, 3000), Buf.ofFile(f, 0, 10)), 0);
        assertEquals(3000, c.sent());
        assertFalse(c.write().ready());
        assertEquals(10, rest.buf().size(), "the next buf waits for the next write event");
    }

    @Test
    void aPendingEofFailsTheCallBeforeAnySystemCall() throws IOException {
        open(false);
        DriverEvents.pendingEof(c.write(), true);
        DriverEvents.kqErrno(c.write(), BsdEmulation.ECONNRESET);
        int before = kernel.syscalls.get();
        IOException e = assertThrows(IOException.class, () -> c.sendChain(Chain.of(mem("x")), 0));
        assertEquals("kevent() reported about a closed connection: Connection reset by peer", e.getMessage());
        assertEquals(before, kernel.syscalls.get(), "no system call was wasted");
        assertTrue(c.write().error());
    }

    @Test
    void kqueueReportsAnEofOnTheWriteFilterAsPendingEofWithItsErrno() throws IOException {
        open(false);
        try (IoDriver d = platform.newDriver()) {
            d.register(c);
            List<Event> seen = new ArrayList<>();
            d.poll(0, seen::add);
            kernel.os.injectPendingEof(((FreeBsdStreamSocket) c.stream()).fd(), BsdEmulation.ECONNRESET);
            seen.clear();
            d.poll(10_000, seen::add);
            assertTrue(seen.contains(c.write()));
            assertTrue(DriverEvents.pendingEof(c.write()));
            assertEquals(BsdEmulation.ECONNRESET, DriverEvents.kqErrno(c.write()));
            d.deregister(c);
        }
    }

    @Test
    void tcpNopushIsSetWhenAFileIsSentAndClearedByThePushAfterTheLastBuf() throws IOException {
        open(false);
        FileRef f = file("f", 1000);
        int fd = ((FreeBsdStreamSocket) c.stream()).fd();
        FreeBsdStreamSocket socket = (FreeBsdStreamSocket) c.stream();
        c.sendChain(Chain.of(mem("H"), Buf.ofFile(f, 0, 500)), 0);
        assertTrue(kernel.os.nopush(fd));
        assertTrue(socket.nopushSet());
        assertNull(c.sendChain(Chain.of(Buf.ofFile(f, 500, 1000), Buf.lastBufMarker()), 0));
        socket.push(c); // what the write filter does once the last buf is out
        assertFalse(kernel.os.nopush(fd));
        assertFalse(socket.nopushSet());
    }

    @Test
    void aMemoryOnlyChainUsesWritevNotSendfile() throws IOException {
        open(false);
        assertNull(c.sendChain(Chain.of(mem("abc"), mem("def")), 0));
        assertEquals(0, kernel.sendfileCalls.get());
        assertEquals("abcdef", new String(read(6), StandardCharsets.ISO_8859_1));
    }

    @Test
    void onLinuxTheProviderSaysItNeedsFreeBsd() {
        var a = new FreeBsdPlatformProvider().probe();
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("freebsd")) {
            return;
        }
        assertFalse(a.available());
        assertEquals("needs FreeBSD; this is " + System.getProperty("os.name"), a.reason());
    }

    @Test
    void aFileWithoutADescriptorIsRefusedNamingIt() throws IOException {
        open(false);
        FileRef javaOpened = TestFiles.patternRef(dir, "j", 10);
        toClose.add(javaOpened);
        IOException e = assertThrows(IOException.class, () -> c.sendChain(Chain.of(Buf.ofFile(javaOpened, 0, 10)), 0));
        assertTrue(e.getMessage().contains("was not opened by the freebsd platform"), e.getMessage());
    }
}
