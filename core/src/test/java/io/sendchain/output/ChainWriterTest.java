package io.sendchain.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.DriverEvents;
import io.sendchain.event.SendChain;
import io.sendchain.spi.EventPoster;
import io.sendchain.testkit.MemorySink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ChainWriter: nginx's ngx_chain_writer. */
class ChainWriterTest {

    private final Pool pool = new Pool();
    private final MemorySink sink = new MemorySink();
    private final Connection c = new Connection("test", sink);
    private final ChainWriter writer = new ChainWriter(pool).connection(c);

    @AfterEach
    void close() {
        pool.close();
    }

    private Buf mem(String s) {
        return Buf.copyOf(pool, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void everythingSentIsOkAndTheQueueIsEmpty() throws IOException {
        DriverEvents.ready(c.write(), true);
        assertEquals(Status.OK, writer.filter(Chain.of(mem("hello "), mem("world"))));
        assertEquals("hello world", sink.receivedText());
        assertNull(writer.queued());
        assertEquals(11, c.sent());
    }

    @Test
    void whatTheSocketDidNotTakeStaysQueuedAndIsSentFirstNextTime() throws IOException {
        DriverEvents.ready(c.write(), true);
        sink.capacity(4);
        assertEquals(Status.AGAIN, writer.filter(Chain.of(mem("abcdef"))));
        assertFalse(c.write().ready());
        assertEquals("abcd", sink.receivedText());
        DriverEvents.ready(c.write(), true);
        sink.capacity(Long.MAX_VALUE);
        assertEquals(Status.OK, writer.filter(Chain.of(mem("gh"))));
        assertEquals("abcdefgh", sink.receivedText());
    }

    @Test
    void theWriterUsesItsOwnLinksSoTheCallerCanReuseItsChainAtOnce() throws IOException {
        sink.capacity(2);
        DriverEvents.ready(c.write(), true);
        Chain in = Chain.of(mem("abcd"));
        writer.filter(in);
        in.buf(mem("zz")); // the caller reuses its link for something else
        DriverEvents.ready(c.write(), true);
        sink.capacity(Long.MAX_VALUE);
        writer.filter(null);
        assertEquals("abcd", sink.receivedText());
    }

    @Test
    void theLimitIsPassedToTheSendChain() throws IOException {
        SendChain send = mock(SendChain.class);
        when(send.send(any(), any(), anyLong())).thenReturn(null);
        Connection conn = new Connection("mock", send);
        ChainWriter w = new ChainWriter(pool).connection(conn).limit(2 * 1024 * 1024);
        w.filter(Chain.of(mem("x")));
        verify(send).send(any(), any(), org.mockito.ArgumentMatchers.eq(2L * 1024 * 1024));
    }

    @Test
    void stoppedByTheLimitWhileWritableTheWriteEventIsPostedToTheNextCycle() throws IOException {
        EventPoster poster = mock(EventPoster.class);
        DriverEvents.ready(c.write(), true);
        DriverEvents.poster(c.write(), poster);
        writer.limit(3);
        assertEquals(Status.AGAIN, writer.filter(Chain.of(mem("abcdef"))));
        assertTrue(c.write().ready(), "the socket still takes data; only the limit stopped us");
        verify(poster).postNext(c.write());
        assertEquals("abc", sink.receivedText());
    }

    @Test
    void stoppedByTheSocketTheWriteEventIsNotPosted() throws IOException {
        EventPoster poster = mock(EventPoster.class);
        DriverEvents.ready(c.write(), true);
        DriverEvents.poster(c.write(), poster);
        sink.capacity(3);
        writer.filter(Chain.of(mem("abcdef")));
        verify(poster, never()).postNext(any(Event.class));
    }

    @Test
    void nothingToSendAndNothingBufferedIsOkWithoutCallingTheSendChain() throws IOException {
        DriverEvents.ready(c.write(), true);
        assertEquals(Status.OK, writer.filter(Chain.of(Buf.flushBuf())));
        assertEquals(0, sink.calls());
        assertNull(writer.queued(), "queued signals are satisfied and their links returned");
    }

    @Test
    void anEmptyQueueWithDataBufferedUpstreamIsAgain() throws IOException {
        DriverEvents.ready(c.write(), true);
        c.buffered(1);
        assertEquals(Status.AGAIN, writer.filter(Chain.of(mem("x"))));
        assertEquals("x", sink.receivedText());
    }

    @Test
    void aZeroSizeBufIsSkipped() throws IOException {
        DriverEvents.ready(c.write(), true);
        Buf empty = mem("x");
        empty.pos(1);
        assertEquals(Status.OK, writer.filter(Chain.of(empty, mem("y"))));
        assertEquals("y", sink.receivedText());
    }

    @Test
    void aNegativeSizeBufIsAnErrorNamingIt() {
        Buf bad = mem("abc");
        bad.pos(3).last(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.filter(Chain.of(bad)));
        assertTrue(e.getMessage().startsWith("negative size buf in chain writer buf"), e.getMessage());
    }

    @Test
    void aSendChainErrorPropagates() throws IOException {
        SendChain send = mock(SendChain.class);
        when(send.send(any(), any(), anyLong())).thenThrow(new IOException("writev() failed: Broken pipe"));
        ChainWriter w = new ChainWriter(pool).connection(new Connection("mock", send));
        IOException e = assertThrows(IOException.class, () -> w.filter(Chain.of(mem("x"))));
        assertEquals("writev() failed: Broken pipe", e.getMessage());
    }

    @Test
    void sentLinksGoBackToThePoolSoASteadyWriterCreatesNoLinks() throws IOException {
        DriverEvents.ready(c.write(), true);
        Buf b = mem("abc");
        for (int i = 0; i < 10; i++) {
            b.pos(0);
            writer.filter(Chain.of(b, b));
        }
        long created = pool.linksCreated();
        for (int i = 0; i < 1000; i++) {
            b.pos(0);
            writer.filter(Chain.of(b));
        }
        assertEquals(created, pool.linksCreated());
    }

    @Test
    void theReturnedChainIsWhereTheQueueResumes() throws IOException {
        DriverEvents.ready(c.write(), true);
        sink.capacity(5);
        Buf a = mem("abc");
        Buf b = mem("defg");
        writer.filter(Chain.of(a, b));
        assertSame(b, writer.queued().buf());
        assertEquals(2, b.pos());
    }

    @Test
    void aWriterWithoutAPoolOrAConnectionIsMisuseNamedAsSuch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChainWriter(null));
        assertEquals("pool must not be null", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChainWriter(pool).connection(null));
    }
}
