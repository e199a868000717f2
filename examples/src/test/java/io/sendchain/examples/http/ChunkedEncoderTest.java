package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.Status;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.MemorySink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The chunked encoder in front of a chain writer: exact framing, data passed without copies, frames recycled. */
class ChunkedEncoderTest {

    private final Pool pool = new Pool();
    private final MemorySink sink = new MemorySink();
    private final Connection c = new Connection("client", sink);
    private final ChainWriter writer = new ChainWriter(pool).connection(c);
    private final ChunkedEncoder encoder = new ChunkedEncoder(pool, writer);

    @org.junit.jupiter.api.BeforeEach
    void writable() {
        DriverEvents.ready(c.write(), true);
    }

    private Buf data(String s) {
        return Buf.copyOf(pool, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void eachCallIsOneChunkAndTheLastBufBringsTheFinalChunk() throws IOException {
        encoder.filter(new Chain().buf(data("hello")).next(new Chain().buf(data(", world")).next(null)));
        encoder.filter(new Chain().buf(data("0123456789abcdef!")).next(null));
        Status rc = encoder.filter(new Chain().buf(Buf.lastBufMarker()).next(null));
        assertEquals(Status.OK, rc);
        assertEquals("c\r\nhello, world\r\n11\r\n0123456789abcdef!\r\n0\r\n\r\n", sink.receivedText());
    }

    @Test
    void anEmptyResponseIsJustTheFinalChunkAndDataWithTheLastBufEndsItInOneCall() throws IOException {
        encoder.filter(new Chain().buf(Buf.lastBufMarker()).next(null));
        assertEquals("0\r\n\r\n", sink.receivedText());
        encoder.reset();
        Buf last = data("abc").lastBuf(true);
        encoder.filter(new Chain().buf(last).next(null));
        assertEquals("0\r\n\r\n3\r\nabc\r\n0\r\n\r\n", sink.receivedText());
    }

    @Test
    void aSlowClientStillGetsEveryByteAndFramesAreRecycledSoSteadyStateAllocatesNoLinks() throws IOException {
        sink.capacity(7);
        StringBuilder expected = new StringBuilder();
        Buf[] bufs = new Buf[3];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = pool.createTempBuf(64);
        }
        long linksAfterWarmUp = -1;
        for (int round = 0; round < 200; round++) {
            Buf b = bufs[round % bufs.length];
            String text = "round " + round;
            b.pos(b.start()).last(b.start());
            b.segment().asByteBuffer().put(text.getBytes(StandardCharsets.ISO_8859_1));
            b.last(b.start() + text.length());
            expected.append(Integer.toHexString(text.length())).append("\r\n").append(text).append("\r\n");
            Status rc = encoder.filter(new Chain().buf(b).next(null));
            for (int i = 0; rc != Status.OK && i < 1000; i++) {
                DriverEvents.ready(c.write(), true); // the "socket" drained
                rc = encoder.filter(null);
            }
            assertEquals(Status.OK, rc);
            if (round == 20) {
                linksAfterWarmUp = pool.linksCreated();
            }
        }
        encoder.filter(new Chain().buf(Buf.lastBufMarker()).next(null));
        expected.append("0\r\n\r\n");
        String got = sink.receivedText();
        // every chunk but the first carries the previous chunk's CRLF at its front: the same bytes in order
        assertEquals(expected.toString(), got);
        assertEquals(linksAfterWarmUp, pool.linksCreated(), "links were created after warm-up");
    }

    /**
     * A body passed on framed as it came: data goes on unframed; the end brings a last chunk of the encoder's own
     * only when the passthrough dropped the start of the upstream's (a wire whose last chunk came in two pieces).
     */
    @Test
    void aPassedOnBodyIsNotFramedAgainAndGetsALastChunkOnlyWhenOneIsOwed() throws IOException {
        String[] pieces = {"3\r\nabc\r\n", "0\r\nX: y\r\n\r\n"};
        for (boolean split : new boolean[] {false, true}) {
            encoder.reset();
            int mark = sink.receivedText().length();
            ChunkedPassthrough framing = new ChunkedPassthrough();
            framing.begin();
            encoder.passthrough(framing);
            ChunkedPassthroughTest.Pipe pipe = new ChunkedPassthroughTest.Pipe();
            String wire = pieces[0] + pieces[1];
            int cut = split ? pieces[0].length() + 2 : wire.length(); // "0\r" | "\nX: y..."
            for (String piece : new String[] {wire.substring(0, cut), wire.substring(cut)}) {
                int before = pipe.shadows.size();
                framing.process(pipe, data(piece));
                String shadowed = pipe.shadows.toString(StandardCharsets.ISO_8859_1).substring(before);
                if (!shadowed.isEmpty()) {
                    encoder.filter(new Chain().buf(data(shadowed)).next(null));
                }
            }
            assertTrue(pipe.done);
            assertEquals(split, framing.lastChunkOwed());
            encoder.filter(new Chain().buf(Buf.lastBufMarker()).next(null));
            assertEquals(split ? pieces[0] + "0\r\n\r\n" : wire, sink.receivedText().substring(mark), "split " + split);
        }
    }
}
