package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.PlatformConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The linux send chain's system calls, in order, against a mocked kernel. */
class LinuxCallSequenceTest {

    private static final int SOCK = 42;
    private static final int FILE_FD = 7;

    private final LinuxKernel k = mock(LinuxKernel.class);
    private final Pool pool = new Pool();
    private LinuxStreamSocket socket;
    private Connection c;
    private FileRef file;

    @BeforeEach
    void setUp() {
        // writev takes everything it is given; sendfile sends the whole count; options succeed
        when(k.writev(anyInt(), any(), anyInt())).thenAnswer(inv -> {
            MemorySegment iov = inv.getArgument(1);
            int n = inv.getArgument(2);
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += iov.get(ValueLayout.JAVA_LONG, i * 16L + 8);
            }
            return total;
        });
        when(k.sendfile(anyInt(), anyInt(), anyLong(), anyLong())).thenAnswer(inv -> inv.getArgument(3));
        when(k.strerror(anyInt())).thenAnswer(inv -> "errno " + inv.getArgument(0));
        LinuxPlatform platform = new LinuxPlatform(k, PlatformConfig.defaults());
        socket = new LinuxStreamSocket(platform, SOCK, false, null);
        c = new Connection("mock", socket);
        file = NativeFile.fileRef("file", new LinuxFile(FILE_FD), () -> { }, () -> {
            throw new IOException("no channel in this test");
        });
    }

    @AfterEach
    void close() {
        pool.close();
    }

    /**
     * The socket's send chain, then, as the write filter does, the push once the chain's last buf is out on a
     * connection that stays open.
     */
    private Chain write(LinuxStreamSocket s, Chain in) throws IOException {
        boolean last = false;
        for (Chain cl = in; cl != null; cl = cl.next()) {
            last |= cl.buf().lastBuf();
        }
        Chain rest = s.send(c, in, 0);
        if (rest == null && last && !c.closeAfterOutput()) {
            s.push(c);
        }
        return rest;
    }

    private Buf header(int size) {
        return pool.createTempBuf(size).last(size);
    }

    @Test
    void nodelayIsClearedBeforeTheCorkIsSetAndTheCorkIsPulledAfterTheLastBuf() throws IOException {
        socket.nodelay(LinuxStreamSocket.SET);
        assertNull(write(socket, Chain.of(header(100), Buf.ofFile(file, 0, 5000), Buf.lastBufMarker())));
        InOrder order = inOrder(k);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
        order.verify(k).writev(eq(SOCK), any(), eq(1));
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 5000);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 0);
        assertFalse(socket.corked());
        assertEquals(5100, c.sent());
    }

    @Test
    void theNextCorkedResponseDoesNotToggleNodelayAgainButAnUncorkedSendRestoresItFirst() throws IOException {
        socket.nodelay(LinuxStreamSocket.SET);
        write(socket, Chain.of(header(100), Buf.ofFile(file, 0, 5000), Buf.lastBufMarker()));
        write(socket, Chain.of(header(100), Buf.ofFile(file, 0, 5000), Buf.lastBufMarker()));
        verify(k, times(1)).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0);
        verify(k, times(2)).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
        verify(k, never()).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1);
        // a memory-only response must not meet Nagle: TCP_NODELAY comes back before its writev
        write(socket, Chain.of(header(50), Buf.lastBufMarker()));
        InOrder order = inOrder(k);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1);
        order.verify(k).writev(eq(SOCK), any(), eq(1));
        assertEquals(LinuxStreamSocket.SET, socket.nodelay());
    }

    @Test
    void withoutTheLastBufTheCorkStaysOnForTheRestOfTheResponse() throws IOException {
        write(socket, Chain.of(header(10), Buf.ofFile(file, 0, 100)));
        verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
        verify(k, never()).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 0);
        assertTrue(socket.corked());
        // the next part of the response does not cork again, and the last buf uncorks
        write(socket, Chain.of(header(10), Buf.ofFile(file, 100, 200), Buf.lastBufMarker()));
        verify(k, times(1)).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
        verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 0);
    }

    @Test
    void aFileOnlyChainIsNeverCorked() throws IOException {
        write(socket, Chain.of(Buf.ofFile(file, 0, 100), Buf.lastBufMarker()));
        verify(k, never()).setsockopt(anyInt(), anyInt(), eq(Linux.TCP_CORK), anyInt());
        verify(k).sendfile(SOCK, FILE_FD, 0, 100);
    }

    @Test
    void aMemoryOnlyChainIsNeverCorked() throws IOException {
        write(socket, Chain.of(header(10), header(20), Buf.lastBufMarker()));
        verify(k, never()).setsockopt(anyInt(), anyInt(), eq(Linux.TCP_CORK), anyInt());
        verify(k, never()).sendfile(anyInt(), anyInt(), anyLong(), anyLong());
    }

    @Test
    void neighbouringFileBufsGoOutInOneSendfile() throws IOException {
        socket.send(c, Chain.of(Buf.ofFile(file, 0, 1000), Buf.ofFile(file, 1000, 3000),
                Buf.ofFile(file, 3000, 3001)), 0);
        verify(k, times(1)).sendfile(anyInt(), anyInt(), anyLong(), anyLong());
        verify(k).sendfile(SOCK, FILE_FD, 0, 3001);
    }

    @Test
    void aFileBufAfterAGapNeedsASecondSendfile() throws IOException {
        write(socket, Chain.of(Buf.ofFile(file, 0, 1000), Buf.ofFile(file, 2000, 3000)));
        InOrder order = inOrder(k);
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 1000);
        order.verify(k).sendfile(SOCK, FILE_FD, 2000, 1000);
    }

    @Test
    void anInterruptedNodelayClearLeavesTheSocketUncorkedAndTheDataFlows() throws IOException {
        socket.nodelay(LinuxStreamSocket.SET);
        when(k.setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0)).thenReturn(-Linux.EINTR);
        assertNull(write(socket, Chain.of(header(10), Buf.ofFile(file, 0, 100))));
        verify(k, never()).setsockopt(anyInt(), anyInt(), eq(Linux.TCP_CORK), anyInt());
        assertEquals(110, c.sent());
    }

    @Test
    void anInterruptedCorkIsToleratedAndAnyOtherErrorIsNot() throws IOException {
        when(k.setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1)).thenReturn(-Linux.EINTR);
        assertNull(write(socket, Chain.of(header(10), Buf.ofFile(file, 0, 100))));
        assertFalse(socket.corked());
        when(k.setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1)).thenReturn(-Linux.EBADF);
        IOException e = assertThrows(IOException.class,
                () -> write(socket, Chain.of(header(10), Buf.ofFile(file, 0, 100))));
        assertEquals("setsockopt(TCP_CORK)() failed: errno 9", e.getMessage());
        assertTrue(c.write().error());
    }

    @Test
    void aShortSendfileDoesNotClearReadyOnlyEagainDoes() throws IOException {
        when(k.sendfile(anyInt(), anyInt(), anyLong(), anyLong())).thenReturn(3000L, -(long) Linux.EAGAIN);
        Buf b = Buf.ofFile(file, 0, 10_000);
        Chain in = Chain.of(b);
        assertSame(in, write(socket, in));
        InOrder order = inOrder(k);
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 10_000);
        order.verify(k).sendfile(SOCK, FILE_FD, 3000, 7000);
        assertFalse(c.write().ready());
        assertEquals(3000, b.filePos());
        assertEquals(3000, c.sent());
    }

    @Test
    void sendfileReturningZeroIsATruncatedFileNotASpin() {
        when(k.sendfile(anyInt(), anyInt(), anyLong(), anyLong())).thenReturn(0L);
        IOException e = assertThrows(IOException.class, () -> write(socket, Chain.of(Buf.ofFile(file, 500, 900))));
        assertEquals("sendfile() reported that \"file\" was truncated at 500", e.getMessage());
        verify(k, times(1)).sendfile(anyInt(), anyInt(), anyLong(), anyLong());
    }

    @Test
    void eintrIsRetriedAndAResetNamesTheCall() throws IOException {
        when(k.writev(anyInt(), any(), anyInt())).thenReturn(-(long) Linux.EINTR, 10L);
        assertNull(write(socket, Chain.of(header(10))));
        verify(k, times(2)).writev(anyInt(), any(), anyInt());
        when(k.writev(anyInt(), any(), anyInt())).thenReturn(-(long) Linux.ECONNRESET);
        when(k.strerror(Linux.ECONNRESET)).thenReturn("Connection reset by peer");
        DriverEvents.ready(c.write(), true);
        IOException e = assertThrows(IOException.class, () -> write(socket, Chain.of(header(10))));
        assertEquals("writev() failed: Connection reset by peer", e.getMessage());
    }

    @Test
    void thePerCallLimitIsTwoGibMinusOneMinusAPageRoundedToThePage() throws IOException {
        FileRef big = NativeFile.fileRef("big", new LinuxFile(9), () -> { }, () -> FileChannel.open(
                java.nio.file.Path.of("/dev/null")));
        write(socket, Chain.of(Buf.ofFile(big, 0, 5L << 30)));
        // 2 GiB - 1 - 4096 cut inside the file is rounded up to the next page: 2 GiB - 4096, still under 2 GiB
        verify(k).sendfile(SOCK, 9, 0, (1L << 31) - 4096);
    }

    @Test
    void theFileBytesGoBySendfileAndOnlyTheHeaderByWritev() throws IOException {
        write(socket, Chain.of(header(77), Buf.ofFile(file, 0, 1 << 20), Buf.lastBufMarker()));
        verify(k).writev(eq(SOCK), any(), eq(1));
        verify(k).sendfile(SOCK, FILE_FD, 0, 1 << 20);
        verify(k, never()).write(anyInt(), anyLong(), anyLong());
    }

    // ---------------------------------------------------------------- the thread's scratch

    /** The thread's gather list and file run hold nothing once a call is over, however it ended. */
    private void assertScratchHoldsNoBuf() {
        IoScratch s = socket.platform().scratch();
        assertEquals(0, s.vec.count());
        assertNull(s.run.first());
        assertNull(s.run.next());
    }

    @Test
    void aSendLeavesNoBufOfItsResponseInTheThreadsScratch() throws IOException {
        assertNull(write(socket, Chain.of(header(100), Buf.ofFile(file, 0, 5000), header(30))));
        assertScratchHoldsNoBuf();

        when(k.writev(anyInt(), any(), anyInt())).thenReturn(-(long) Linux.EAGAIN);
        Chain in = Chain.of(header(10), Buf.ofFile(file, 0, 100));
        assertSame(in, write(socket, in));
        assertScratchHoldsNoBuf();

        DriverEvents.ready(c.write(), true);
        when(k.sendfile(anyInt(), anyInt(), anyLong(), anyLong())).thenReturn(0L);
        assertThrows(IOException.class, () -> write(socket, Chain.of(Buf.ofFile(file, 500, 900))));
        assertScratchHoldsNoBuf();
    }

    @Test
    void socketsOfOneThreadShareTheScratchWithoutSeeingEachOthersBufs() throws IOException {
        // the first socket stops half way; the second one sends in between; the first resumes where it stopped
        when(k.writev(anyInt(), any(), anyInt())).thenReturn(60L, -(long) Linux.EAGAIN);
        Buf a = header(100);
        Chain in = Chain.of(a);
        assertSame(in, write(socket, in));
        assertEquals(40, a.size());

        LinuxStreamSocket other = new LinuxStreamSocket(socket.platform(), SOCK + 1, false, null);
        Connection oc = new Connection("other", other);
        when(k.writev(anyInt(), any(), anyInt())).thenReturn(20L);
        assertNull(other.send(oc, Chain.of(header(20)), 0));

        MemorySegment[] iov = new MemorySegment[1];
        when(k.writev(eq(SOCK), any(), eq(1))).thenAnswer(inv -> {
            iov[0] = inv.getArgument(1);
            return iov[0].get(ValueLayout.JAVA_LONG, 8);
        });
        DriverEvents.ready(c.write(), true);
        assertNull(write(socket, in));
        assertEquals(a.segment().address() + 60, iov[0].get(ValueLayout.JAVA_LONG, 0));
        assertEquals(40, iov[0].get(ValueLayout.JAVA_LONG, 8));
        assertEquals(100, c.sent());
    }

    // ---------------------------------------------------------------- MSG_MORE instead of the cork

    private static final int MORE = Linux.MSG_MORE | Linux.MSG_NOSIGNAL;

    /** A socket on a platform that sends headers of bodies up to 64 KiB with MSG_MORE; TCP_NODELAY on. */
    private LinuxStreamSocket moreSocket() {
        when(k.send(anyInt(), anyLong(), anyLong(), anyInt())).thenAnswer(inv -> inv.getArgument(2));
        LinuxPlatform platform = new LinuxPlatform(k, PlatformConfig.defaults().with(LinuxPlatform.MORE_MAX, 65536L));
        LinuxStreamSocket s = new LinuxStreamSocket(platform, SOCK, false, null);
        c = new Connection("mock", s);
        s.nodelay(LinuxStreamSocket.SET);
        return s;
    }

    @Test
    void aHeaderBeforeASmallFileThatEndsTheResponseGoesWithMsgMoreAndNoCork() throws IOException {
        LinuxStreamSocket s = moreSocket();
        Buf h = header(100);
        long at = h.segment().address() + h.pos();
        assertNull(write(s, Chain.of(h, Buf.ofFile(file, 0, 5000), Buf.lastBufMarker())));
        InOrder order = inOrder(k);
        order.verify(k).send(SOCK, at, 100, MORE);
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 5000);
        verify(k, never()).setsockopt(anyInt(), anyInt(), anyInt(), anyInt());
        verify(k, never()).writev(anyInt(), any(), anyInt());
        assertEquals(5100, c.sent());
        assertFalse(s.corked());
    }

    @Test
    void aFileOverTheMaximumOrOneThatDoesNotEndTheResponseIsCorkedAsNginxDoes() throws IOException {
        LinuxStreamSocket s = moreSocket();
        write(s, Chain.of(header(100), Buf.ofFile(file, 0, 65537), Buf.lastBufMarker()));
        write(s, Chain.of(header(100), Buf.ofFile(file, 0, 5000))); // more of the response follows
        verify(k, never()).send(anyInt(), anyLong(), anyLong(), anyInt());
        verify(k, times(2)).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
    }

    @Test
    void aHeaderOfTwoBufsOrAConnectionWithNagleOrACapOfZeroIsCorked() throws IOException {
        LinuxStreamSocket s = moreSocket();
        Buf two = pool.createTempBuf(200).last(200);
        Buf first = Buf.temp(two.segment()).last(100);
        Buf other = header(50); // not next to the first in memory: two iovec entries
        write(s, Chain.of(first, other, Buf.ofFile(file, 0, 10), Buf.lastBufMarker()));
        verify(k, never()).send(anyInt(), anyLong(), anyLong(), anyInt());
        verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);

        LinuxStreamSocket nagle = moreSocket();
        nagle.nodelay(LinuxStreamSocket.UNSET);
        write(nagle, Chain.of(header(10), Buf.ofFile(file, 0, 10), Buf.lastBufMarker()));
        verify(k, never()).send(anyInt(), anyLong(), anyLong(), anyInt());
        verify(k, times(2)).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);

        // the platform's default is nginx's: always the cork
        socket.nodelay(LinuxStreamSocket.SET);
        write(socket, Chain.of(header(10), Buf.ofFile(file, 0, 10), Buf.lastBufMarker()));
        verify(k, never()).send(anyInt(), anyLong(), anyLong(), anyInt());
    }

    @Test
    void aConnectionClosedAfterTheResponseIsCorkedAndNotUncorkedSoItsDataLeavesWithTheFin() throws IOException {
        LinuxStreamSocket s = moreSocket();
        s.nodelay(LinuxStreamSocket.UNSET);
        c.closeAfterOutput(true);
        write(s, Chain.of(header(100), Buf.ofFile(file, 0, 4096), Buf.lastBufMarker()));
        // nginx: cork, header, file, and the close sends the rest with the FIN: one segment on the wire, where
        // MSG_MORE would send the data at the end of the sendfile and the FIN alone after it
        InOrder order = inOrder(k);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 1);
        order.verify(k).writev(eq(SOCK), any(), eq(1));
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 4096);
        verify(k, never()).send(anyInt(), anyLong(), anyLong(), anyInt());
        verify(k, never()).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_CORK, 0);
        assertTrue(s.corked());
    }

    @Test
    void afterACorkedResponseTheMsgMoreHeaderRestoresNodelayFirst() throws IOException {
        LinuxStreamSocket s = moreSocket();
        write(s, Chain.of(header(100), Buf.ofFile(file, 0, 1 << 20), Buf.lastBufMarker())); // corked
        verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 0);
        DriverEvents.ready(c.write(), true);
        write(s, Chain.of(header(100), Buf.ofFile(file, 0, 4096), Buf.lastBufMarker()));
        // without TCP_NODELAY, Nagle could hold the file's last small segment for an ACK
        InOrder order = inOrder(k);
        order.verify(k).setsockopt(SOCK, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1);
        order.verify(k).send(eq(SOCK), anyLong(), eq(100L), eq(MORE));
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 4096);
        assertEquals(LinuxStreamSocket.SET, s.nodelay());
    }

    @Test
    void aShortMsgMoreSendGoesOnWithTheRestAndEagainStopsWithTheChainWhereItWas() throws IOException {
        LinuxStreamSocket s = moreSocket();
        when(k.send(anyInt(), anyLong(), anyLong(), anyInt())).thenReturn(40L, -(long) Linux.EINTR, 60L);
        Buf h = header(100);
        long at = h.segment().address() + h.pos();
        assertNull(write(s, Chain.of(h, Buf.ofFile(file, 0, 5000), Buf.lastBufMarker())));
        InOrder order = inOrder(k);
        order.verify(k).send(SOCK, at, 100, MORE);
        order.verify(k, times(2)).send(SOCK, at + 40, 60, MORE);
        order.verify(k).sendfile(SOCK, FILE_FD, 0, 5000);
        assertEquals(5100, c.sent());

        when(k.send(anyInt(), anyLong(), anyLong(), anyInt())).thenReturn(-(long) Linux.EAGAIN);
        Chain in = Chain.of(header(100), Buf.ofFile(file, 0, 5000), Buf.lastBufMarker());
        DriverEvents.ready(c.write(), true);
        assertSame(in, write(s, in));
        assertFalse(c.write().ready());
        assertEquals(100, in.buf().size());

        when(k.send(anyInt(), anyLong(), anyLong(), anyInt())).thenReturn(-(long) Linux.EPIPE);
        when(k.strerror(Linux.EPIPE)).thenReturn("Broken pipe");
        DriverEvents.ready(c.write(), true);
        IOException e = assertThrows(IOException.class, () -> write(s, in));
        assertEquals("send() failed: Broken pipe", e.getMessage());
        assertTrue(c.write().error());
    }
}
