package io.sendchain.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.output.ChainWriter;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.MemorySink;
import io.sendchain.testkit.Seeds;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** EventPipe against a scripted upstream, an in-memory client and a manual clock: nginx's paths, spills, timers. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stalled pipe fails instead of hanging
class EventPipeTest {

    @TempDir
    Path tmp;

    private final Pool pool = new Pool();
    private final ScriptedUpstream up = new ScriptedUpstream();
    private final Connection upstream = new Connection("upstream", up);
    private final MemorySink sink = new MemorySink();
    private final Connection downstream = new Connection("downstream", sink);
    private EventPipe pipe;

    @AfterEach
    void close() {
        if (pipe != null) {
            pipe.close();
        }
        pool.close();
    }

    private final ManualTimers timers = new ManualTimers();
    private ChainWriter writer;

    private static PipeSettings.Builder settings() {
        return PipeSettings.builder();
    }

    private EventPipe pipe(PipeSettings.Builder settings) {
        writer = new ChainWriter(pool).connection(downstream);
        pipe = new EventPipe(pool, upstream, downstream, timers, writer, settings.build());
        return pipe;
    }

    /**
     * Runs the pipe like its event handlers would until it has passed everything on, then flushes the writer the
     * way the owner finishes a response.
     */
    private void pump() throws IOException {
        pump(upstream, downstream);
    }

    /** {@link #pump()} for a pipe between other connections. */
    private void pump(Connection from, Connection into) throws IOException {
        for (int i = 0; i < 100_000 && !pipe.downstreamDone() && !pipe.downstreamError(); i++) {
            DriverEvents.ready(from.read(), true);
            DriverEvents.ready(into.write(), true);
            pipe.run(true);
        }
        drainWriter(into);
    }

    /**
     * The downstream takes nothing while the pipe reads {@code from} (at most {@code runs} runs, each after the
     * upstream's read event, and after a yield's timer as the owner would): the pipe spills what it reads.
     */
    private void readWhileStalled(Connection from, Connection into, int runs) throws IOException {
        DriverEvents.ready(into.write(), false);
        for (int i = 0; i < runs && !pipe.upstreamDone(); i++) {
            yieldOver(from);
            DriverEvents.ready(from.read(), true);
            pipe.run(false);
        }
    }

    /** Then the downstream takes everything: the pipe runs on its write events until done, the writer is emptied. */
    private void drainTo(Connection into) throws IOException {
        for (int i = 0; i < 100_000 && !pipe.downstreamDone(); i++) {
            DriverEvents.ready(into.write(), true);
            pipe.run(true);
        }
        drainWriter(into);
    }

    /** Sends what the writer still holds, the way the owner finishes a response. */
    private void drainWriter(Connection into) throws IOException {
        for (int i = 0; i < 100_000 && writer != null && writer.queued() != null; i++) {
            DriverEvents.ready(into.write(), true);
            writer.filter(null);
        }
    }

    @Test
    void aSmallBodyGoesStraightThrough() throws IOException {
        byte[] body = TestFiles.pattern(3000);
        up.feed(body).eof();
        pipe(settings().bufs(4, 4096));
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertTrue(pipe.downstreamDone());
        assertArrayEquals(body, sink.received());
        assertFalse(pipe.spilled());
    }

    @Test
    void prereadBytesComeFirst() throws IOException {
        byte[] early = "early bytes|".getBytes(StandardCharsets.ISO_8859_1);
        Buf head = pool.createTempBuf(early.length);
        MemorySegment.copy(MemorySegment.ofArray(early), 0, head.segment(), 0, early.length);
        head.last(early.length);
        up.feed("later bytes".getBytes(StandardCharsets.ISO_8859_1)).eof();
        pipe(settings().bufs(2, 64)).preread(head);
        pump();
        assertEquals("early bytes|later bytes", sink.receivedText());
    }

    @Test
    void rawBufsComeFromTheSupplyAndGoBackOnCloseSoTheNextPipeReusesThem() throws IOException {
        java.util.ArrayDeque<Buf> idle = new java.util.ArrayDeque<>();
        int[] created = new int[1];
        EventPipe.BufSupply supply = new EventPipe.BufSupply() {
            @Override
            public Buf take(long size) {
                Buf b = idle.poll();
                if (b == null) {
                    created[0]++;
                    b = pool.createTempBuf(size);
                }
                return b;
            }

            @Override
            public void give(Buf b) {
                idle.push(b);
            }
        };
        for (int round = 0; round < 3; round++) {
            byte[] body = TestFiles.pattern(20_000 + round);
            Connection from = upstreamOf(body);
            MemorySink to = new MemorySink();
            Connection into = new Connection("downstream", to);
            to.capacity(3000);
            writer = new ChainWriter(pool).connection(into);
            pipe = new EventPipe(pool, from, into, timers, writer, settings().bufs(4, 4096).maxTempFileSize(0).build())
                    .bufSupply(supply);
            pump(from, into);
            assertArrayEquals(body, to.received(), "round " + round);
            int used = pipe.allocated();
            pipe.close();
            pipe = null;
            assertEquals(used, idle.size(), "every raw buf went back after round " + round);
        }
        assertEquals(4, created[0], "later pipes reused the first pipe's bufs");
    }

    @Test
    void aResetPipeServesResponseAfterResponseWithItsOwnBufsAndLinksAndNoTempFileLeftOpen() throws IOException {
        MemorySink to = new MemorySink();
        Connection into = new Connection("downstream", to);
        writer = new ChainWriter(pool).connection(into);
        long linksAfterFirst = -1;
        long expected = 0;
        for (int round = 0; round < 20; round++) {
            byte[] body = TestFiles.pattern(50_000 + round % 2 * 1000);
            Connection from = upstreamOf(body);
            if (round > 0) {
                pipe.reset(from);
                assertFalse(pipe.spilled(), "the last response's temp file was closed");
            } else {
                pipe = new EventPipe(pool, from, into, timers, writer, settings().bufs(4, 4096).build())
                        .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
            }
            pipe.length(body.length);
            // a stalled downstream first: the pipe spills; then it drains
            readWhileStalled(from, into, 100);
            assertTrue(pipe.spilled(), "round " + round + " spilled");
            drainTo(into);
            expected += body.length;
            assertEquals(expected, to.received().length, "round " + round);
            byte[] all = to.received();
            assertArrayEquals(body, Arrays.copyOfRange(all, all.length - body.length, all.length), "round " + round);
            if (round == 1) {
                linksAfterFirst = pool.linksCreated();
            }
        }
        assertEquals(linksAfterFirst, pool.linksCreated(), "links were created after the first responses");
        pipe.close();
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void aResetPipeServesChunkedResponseAfterResponseWithoutNewLinksOrBufHeaders() throws IOException {
        MemorySink to = new MemorySink();
        Connection into = new Connection("downstream", to);
        writer = new ChainWriter(pool).connection(into);
        ChunkedInputFilter filter = new ChunkedInputFilter();
        byte[] body = TestFiles.pattern(20_000);
        byte[] wire = chunk(body, new Random(7));
        long linksAfterWarmUp = -1;
        for (int round = 0; round < 50; round++) {
            Connection from = upstreamOf(wire);
            if (round > 0) {
                pipe.reset(from);
            } else {
                pipe = new EventPipe(pool, from, into, timers, writer,
                        settings().bufs(4, 4096).maxTempFileSize(0).build());
            }
            filter.reset();
            pipe.inputFilter(filter).length(3);
            to.capacity(3000);
            pump(from, into);
            byte[] all = to.received();
            assertArrayEquals(body, Arrays.copyOfRange(all, all.length - body.length, all.length), "round " + round);
            if (round == 2) {
                linksAfterWarmUp = pool.linksCreated();
            }
        }
        assertEquals(linksAfterWarmUp, pool.linksCreated(), "links were created after the first responses");
    }

    @Test
    void aSlowDownstreamWithoutSpillKeepsAtMostBufsNumRawBufsAndLosesNothing() throws IOException {
        byte[] body = TestFiles.pattern(200_000);
        up.feed(body).eof();
        sink.capacity(1000);
        pipe(settings().bufs(4, 4096).maxTempFileSize(0));
        pump();
        assertArrayEquals(body, sink.received());
        assertTrue(pipe.allocated() <= 4, "raw bufs: " + pipe.allocated());
    }

    @Test
    void aStalledDownstreamMakesThePipeSpillToTheTempFileAndEveryByteArrives() throws IOException {
        byte[] body = TestFiles.pattern(100_000);
        up.feed(body).eof();
        pipe(settings().bufs(2, 4096).busySize(4096).maxTempFileSize(1 << 20).tempFileWriteSize(8192))
                .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        DriverEvents.ready(downstream.write(), false); // the client reads nothing for now
        DriverEvents.ready(upstream.read(), true);
        pipe.run(false);
        assertTrue(pipe.spilled(), "the upstream was read into the temp file");
        assertTrue(pipe.tempFileOffset() > 0);
        assertTrue(pipe.readLength() > 2 * 4096, "read on past the raw bufs: " + pipe.readLength());
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "the temp file is unlinked while in use");
        }
        pump();
        assertArrayEquals(body, sink.received());
    }

    @Test
    void aPipeSpillingForAStalledClientReusesItsBufHeaders() throws IOException {
        // nginx's ngx_event_pipe_write_chain_to_temp_file puts the links it wrote back on p->free: the next reads'
        // shadows take their headers again. Dropping them made a header (and a view of its memory) per buffer
        // read: 1 024 for the 4 MiB below, about 1.5 MB of garbage for each 64 MiB response a stalled client let
        // spill through the proxy.
        MemorySink to = new MemorySink();
        Connection into = new Connection("downstream", to);
        writer = new ChainWriter(pool).connection(into);
        int headersAfterFirst = -1;
        for (int round = 0; round < 2; round++) {
            byte[] body = TestFiles.pattern(round == 0 ? 1 << 20 : 4 << 20);
            Connection from = upstreamOf(body);
            if (round > 0) {
                pipe.reset(from);
            } else {
                pipe = new EventPipe(pool, from, into, timers, writer, settings().bufs(2, 4096).busySize(4096)
                        .maxTempFileSize(64L << 20).tempFileWriteSize(8192).build())
                        .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
            }
            pipe.length(body.length);
            readWhileStalled(from, into, 100_000); // the client reads nothing while the upstream sends it all
            assertTrue(pipe.upstreamDone(), "round " + round + ": the whole body was read");
            assertEquals(body.length, pipe.tempFileOffset(), "round " + round + ": all of it went to the temp file");
            if (round == 0) {
                headersAfterFirst = pipe.headersMade();
                assertTrue(headersAfterFirst <= 16, "headers for the first 1 MiB: " + headersAfterFirst);
            } else {
                assertEquals(headersAfterFirst, pipe.headersMade(), "headers made while 4 MiB more spilled");
            }
            drainTo(into);
            byte[] all = to.received();
            assertArrayEquals(body, Arrays.copyOfRange(all, all.length - body.length, all.length), "round " + round);
        }
    }

    /** A new upstream connection whose whole answer is {@code body}. */
    private static Connection upstreamOf(byte[] body) {
        ScriptedUpstream source = new ScriptedUpstream();
        source.feed(body).eof();
        return new Connection("upstream", source);
    }

    /** What the owner does when the timer of a pipe's yield fires ({@link EventPipe#READ_BURST}): reads on. */
    private void yieldOver(Connection from) {
        Event rev = from.read();
        if (rev.delayed()) {
            assertEquals(0, timers.remaining(rev), "a yield's timer is due at once");
            timers.deleteTimer(rev);
            rev.delayed(false);
        }
    }

    @Test
    void aRunReadsAtMostItsBurstThenYieldsToTheLoopAndGoesOnWhenItsTimerFires() throws IOException {
        // a fast upstream and a stalled client: without the bound one run read until the upstream ran dry
        byte[] body = TestFiles.pattern(3 * (int) EventPipe.READ_BURST + 12_345);
        up.feed(body).eof();
        pipe(settings().bufs(4, 4096).maxTempFileSize(64L << 20)).tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        pipe.length(body.length);
        DriverEvents.ready(downstream.write(), false);
        DriverEvents.ready(upstream.read(), true);
        pipe.run(false);
        assertTrue(pipe.readLength() >= EventPipe.READ_BURST, "read " + pipe.readLength());
        assertTrue(pipe.readLength() < EventPipe.READ_BURST + 4 * 4096, "read " + pipe.readLength());
        assertTrue(upstream.read().delayed(), "the read event waits for its turn");
        assertTrue(upstream.read().ready(), "with more to read");
        long first = pipe.readLength();
        pipe.run(false); // another event before the timer: no more reading
        assertEquals(first, pipe.readLength(), "read before the yield's timer fired");
        int runs = 1;
        while (!pipe.upstreamDone() && runs < 100) {
            yieldOver(upstream);
            pipe.run(false);
            runs++;
        }
        assertTrue(pipe.upstreamDone());
        assertEquals(4, runs, "runs of at most a burst each");
        pump();
        assertArrayEquals(body, sink.received());
    }

    @Test
    void aMaxTempFileSizeOfZeroNeverSpills() throws IOException {
        up.feed(TestFiles.pattern(50_000)).eof();
        pipe(settings().bufs(2, 4096).maxTempFileSize(0)).tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        DriverEvents.ready(downstream.write(), false);
        DriverEvents.ready(upstream.read(), true);
        pipe.run(false);
        assertFalse(pipe.spilled());
        assertEquals(2 * 4096, pipe.readLength(), "reading stops when both raw bufs are full");
    }

    @Test
    void theTempFileNeverGrowsBeyondItsMaximumByMoreThanAWrite() throws IOException {
        up.feed(TestFiles.pattern(300_000)).eof();
        pipe(settings().bufs(2, 4096).maxTempFileSize(20_000).tempFileWriteSize(4096))
                .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        DriverEvents.ready(downstream.write(), false);
        DriverEvents.ready(upstream.read(), true);
        pipe.run(false);
        assertTrue(pipe.tempFileOffset() <= 20_000, "offset " + pipe.tempFileOffset());
        pump();
        assertArrayEquals(TestFiles.pattern(300_000), sink.received());
    }

    @Test
    void dataPastTheContentLengthIsDropped() throws IOException {
        up.feed("0123456789EXTRA".getBytes(StandardCharsets.ISO_8859_1));
        pipe(settings().bufs(2, 64)).length(10);
        pump();
        assertEquals("0123456789", sink.receivedText());
        assertTrue(pipe.upstreamDone());
    }

    @Test
    void aReceiveErrorStillDeliversWhatWasReadBeforeIt() throws IOException {
        up.feed(TestFiles.pattern(5000)).failAfter(5000);
        pipe(settings().bufs(4, 4096));
        pump();
        assertTrue(pipe.upstreamError());
        assertArrayEquals(TestFiles.pattern(5000), sink.received());
    }

    @Test
    void theRateLimitStopsReadingAndMarksTheReadEventDelayed() throws IOException {
        up.feed(TestFiles.pattern(50_000)).eof();
        pipe(settings().bufs(8, 4096).limitRate(3000));
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertTrue(pipe.readLength() <= 3000 + 4096, "read " + pipe.readLength());
        assertTrue(upstream.read().delayed());
    }

    /**
     * The owner's read handler, as a proxy session has it: the timer of a delayed read ends the rate limit's pause and
     * runs the pipe; the timer of a read that is not delayed is the read timeout.
     */
    private void readHandler(boolean[] readTimedOut) {
        upstream.read().handler(ev -> {
            if (!ev.timedOut()) {
                return;
            }
            if (!ev.delayed()) {
                readTimedOut[0] = true;
                return;
            }
            ev.delayed(false);
            DriverEvents.ready(ev, true);
            try {
                pipe.run(false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void theRateLimitsTimerResumesTheDelayedReadAndTheBodyTakesAsLongAsTheRateSays() throws IOException {
        byte[] body = TestFiles.pattern(10_000);
        up.feed(body).eof();
        pipe(settings().bufs(8, 4096).limitRate(3000));
        boolean[] readTimedOut = {false};
        readHandler(readTimedOut);
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertEquals(3000, pipe.readLength(), "the first second's allowance");
        assertTrue(upstream.read().delayed());
        assertEquals(1000, timers.remaining(upstream.read()), "3000 bytes at 3000 bytes/s");
        pipe.run(true);
        assertEquals(3000, pipe.readLength(), "a delayed read waits for its timer, not for the next run");
        // only the timers move the pipe on from here: each one resumes the read, or finds this second's allowance
        // used up and arms the next
        long elapsed = 0;
        for (int timer = 0; !pipe.downstreamDone(); timer++) {
            assertTrue(timer < 100, "not done after " + elapsed + " ms");
            assertTrue(upstream.read().delayed(), "at " + elapsed + " ms");
            long wait = timers.remaining(upstream.read());
            long before = pipe.readLength();
            timers.advance(wait - 1);
            assertEquals(before, pipe.readLength(), "read before the timer, at " + elapsed + " ms");
            timers.advance(1);
            elapsed += wait;
            assertTrue(pipe.readLength() <= 3000 * (elapsed / 1000 + 1), pipe.readLength() + " bytes by " + elapsed);
        }
        assertTrue(elapsed >= (10_000 - 3000) * 1000 / 3000, "done after " + elapsed + " ms");
        assertFalse(upstream.read().timerSet(), "nothing left to wait for");
        assertFalse(readTimedOut[0]);
        drainWriter(downstream);
        assertArrayEquals(body, sink.received());
    }

    @Test
    void aReadThatUsesUpTheSecondsAllowanceInSmallPiecesWaitsForTheNextSecond() throws IOException {
        up.feed(TestFiles.pattern(15_000)).eof().perCall(9); // 9 bytes at 10000 bytes/s: no delay of their own
        pipe(settings().bufs(8, 4096).limitRate(10_000));
        boolean[] readTimedOut = {false};
        readHandler(readTimedOut);
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertEquals(10_000, pipe.readLength());
        assertTrue(upstream.read().delayed());
        assertEquals(1, timers.remaining(upstream.read()), "nothing left this second: look again in 1 ms");
        timers.advance(999);
        assertEquals(10_000, pipe.readLength(), "still the first second");
        assertEquals(1, timers.remaining(upstream.read()));
        timers.advance(1);
        assertEquals(15_000, pipe.readLength(), "the next second's allowance");
        assertTrue(pipe.downstreamDone());
        assertFalse(readTimedOut[0]);
        drainWriter(downstream);
        assertArrayEquals(TestFiles.pattern(15_000), sink.received());
    }

    @Test
    void aSilentUpstreamGetsTheReadTimeoutWhichEveryRunRestartsAndTheEndCancels() throws IOException {
        pipe(settings().bufs(4, 4096).timeouts(5000, 7000));
        boolean[] readTimedOut = {false};
        readHandler(readTimedOut);
        up.feed(TestFiles.pattern(1000));
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertEquals(5000, timers.remaining(upstream.read()), "waiting for the upstream");
        assertFalse(downstream.write().timerSet(), "the client is not waited for");
        timers.advance(4000);
        up.feed(TestFiles.pattern(1000));
        DriverEvents.ready(upstream.read(), true);
        pipe.run(false);
        assertEquals(5000, timers.remaining(upstream.read()), "a run that read restarts the timeout");
        timers.advance(4999);
        assertFalse(readTimedOut[0]);
        timers.advance(1);
        assertTrue(readTimedOut[0], "5 s without a byte");

        up.feed(TestFiles.pattern(10));
        DriverEvents.ready(upstream.read(), true);
        pipe.run(true);
        assertEquals(5000, timers.remaining(upstream.read()));
        up.eof();
        DriverEvents.ready(upstream.read(), true);
        pipe.run(true);
        assertTrue(pipe.upstreamEof());
        assertFalse(upstream.read().timerSet(), "the upstream is done: no read timeout");
    }

    @Test
    void aClientThatTakesNothingGetsTheSendTimeoutAndOneThatTakesEverythingCancelsIt() throws IOException {
        up.feed(TestFiles.pattern(20_000)).eof();
        sink.capacity(1000);
        pipe(settings().bufs(4, 4096).maxTempFileSize(0).timeouts(5000, 7000));
        boolean[] sendTimedOut = {false};
        downstream.write().handler(ev -> {
            sendTimedOut[0] = ev.timedOut();
        });
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertFalse(downstream.write().ready(), "the client took 1000 bytes and would block");
        assertEquals(7000, timers.remaining(downstream.write()));
        timers.advance(6999);
        assertFalse(sendTimedOut[0]);
        timers.advance(1);
        assertTrue(sendTimedOut[0], "7 s without the client taking a byte");

        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertFalse(downstream.write().ready(), "1000 bytes more, then it would block again");
        assertEquals(7000, timers.remaining(downstream.write()));
        sink.capacity(Long.MAX_VALUE);
        DriverEvents.ready(downstream.write(), true);
        pipe.run(true);
        assertTrue(pipe.downstreamDone());
        assertTrue(downstream.write().ready());
        assertFalse(downstream.write().timerSet(), "the client took everything: no send timeout");
        assertArrayEquals(TestFiles.pattern(20_000), sink.received());
    }

    @Test
    void aDelayedWriteKeepsTheTimerThatEndsItsDelay() throws IOException {
        up.feed(TestFiles.pattern(1000));
        pipe(settings().bufs(4, 4096).timeouts(5000, 7000));
        DriverEvents.ready(upstream.read(), true);
        DriverEvents.ready(downstream.write(), true);
        downstream.write().delayed(true);
        timers.addTimer(downstream.write(), 300); // a write filter's limit rate
        pipe.run(true);
        assertEquals(300, timers.remaining(downstream.write()), "neither the send timeout nor deleted");
    }

    @Test
    void aDownstreamErrorDrainsThePipeWithoutThrowing() throws IOException {
        Connection broken = new Connection("broken", (c, in, limit) -> {
            throw new IOException("writev() failed: Broken pipe");
        });
        DriverEvents.ready(broken.write(), true);
        up.feed(TestFiles.pattern(10_000)).eof();
        pipe = new EventPipe(pool, upstream, broken, timers, new ChainWriter(pool).connection(broken),
                settings().bufs(2, 4096).build());
        DriverEvents.ready(upstream.read(), true);
        pipe.run(true);
        assertTrue(pipe.downstreamError());
    }

    @Test
    void aDownstreamErrorStopsTheReadingThoughTheUpstreamHasMore() throws IOException {
        // a client that reset mid-response: the upstream's 8 MiB are there to read, but none could be delivered
        int[] writes = new int[1];
        MemorySink sink = new MemorySink();
        Connection resetting = new Connection("resetting", (c, in, limit) -> {
            if (++writes[0] > 3) {
                throw new IOException("writev() failed: Connection reset by peer");
            }
            return sink.send(c, in, limit);
        });
        DriverEvents.ready(resetting.write(), true);
        up.feed(TestFiles.pattern(8 << 20)); // no end: the upstream keeps sending
        pipe = new EventPipe(pool, upstream, resetting, timers, new ChainWriter(pool).connection(resetting),
                settings().bufs(2, 4096).maxTempFileSize(64L << 20).build())
                .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        DriverEvents.ready(upstream.read(), true);
        pipe.run(true);
        assertTrue(pipe.downstreamError());
        assertTrue(pipe.readLength() <= 8 * 4096, "read after the client was gone: " + pipe.readLength());
        assertFalse(pipe.spilled(), "nothing went to the temp file");
    }

    @Test
    void anUnwritableTempDirectoryFailsTheResponseCleanly() throws IOException {
        up.feed(TestFiles.pattern(50_000)).eof();
        Path missing = tmp.resolve("no-such-dir");
        pipe(settings().bufs(2, 4096)).tempFiles(TempFiles.inDirectory(missing, FileRef::open));
        DriverEvents.ready(downstream.write(), false);
        DriverEvents.ready(upstream.read(), true);
        IOException e = assertThrows(IOException.class, () -> pipe.run(false));
        assertTrue(e.getMessage().contains("cannot create a temp file in " + missing), e.getMessage());
        assertFalse(Files.exists(missing));
    }

    @Test
    void aChunkedUpstreamIsDecodedIntoTheDataAlone() throws IOException {
        up.feed(("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        pipe(settings().bufs(2, 8)).inputFilter(new ChunkedInputFilter()).length(3);
        pump();
        assertEquals("hello, world", sink.receivedText());
        assertTrue(pipe.upstreamDone());
    }

    @Test
    void anInvalidChunkSizeAbortsThePipe() {
        up.feed("zz\r\nhello\r\n".getBytes(StandardCharsets.ISO_8859_1)).eof();
        pipe(settings().bufs(2, 64)).inputFilter(new ChunkedInputFilter()).length(3);
        IOException e = assertThrows(IOException.class, this::pump);
        assertTrue(e.getMessage().startsWith("upstream sent invalid chunked response"), e.getMessage());
    }

    @Test
    void anOverflowingChunkSizeAbortsThePipe() {
        up.feed("ffffffffffffffffff\r\n".getBytes(StandardCharsets.ISO_8859_1)).eof();
        pipe(settings().bufs(2, 64)).inputFilter(new ChunkedInputFilter()).length(3);
        IOException e = assertThrows(IOException.class, this::pump);
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    }

    @RepeatedTest(10)
    void randomBodiesBufferSizesAndDownstreamSpeedsLoseNothing() throws IOException {
        long seed = Seeds.seed("EventPipeTest.random");
        Random rnd = new Random(seed);
        byte[] body = TestFiles.random(rnd, 1 + rnd.nextInt(300_000));
        boolean chunked = rnd.nextBoolean();
        byte[] wire = chunked ? chunk(body, rnd) : body;
        up.feed(wire).eof();
        sink.capacity(1 + rnd.nextInt(20_000));
        int size = 64 + rnd.nextInt(8192);
        int num = 2 + rnd.nextInt(7);
        pipe(settings().bufs(num, size)
                .busySize(size + rnd.nextInt((num - 2) * size + 1))
                .maxTempFileSize(rnd.nextBoolean() ? 0 : rnd.nextInt(200_000))
                .tempFileWriteSize(1 + rnd.nextInt(16_384)))
                .tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        if (chunked) {
            pipe.inputFilter(new ChunkedInputFilter()).length(3);
        } else if (rnd.nextBoolean()) {
            pipe.length(body.length);
        }
        pump();
        String params = "seed " + seed + " body " + body.length + " chunked " + chunked + " raw bufs "
                + pipe.allocated() + " spilled " + pipe.spilled() + " done " + pipe.downstreamDone()
                + " eof " + pipe.upstreamEof() + " read " + pipe.readLength();
        assertArrayEquals(body, sink.received(), params);
    }

    /**
     * The upstream's bytes arrive in random pieces between runs of the pipe, so raw bufs are read into partly, handed
     * to the input filter early when the length hint allows, and filled again later; the downstream takes random
     * amounts. Like a proxy's keep-alive session, one pipe serves response after response (closed, then reset), with
     * raw bufs from a shared supply and the first bytes preread into the session's own head buffer. Everything must
     * arrive once and in order.
     */
    @RepeatedTest(40)
    void responseAfterResponseArrivingInRandomPiecesLoseNothing() throws IOException {
        long seed = Seeds.seed("EventPipeTest.pieces");
        Random rnd = new Random(seed);
        java.util.ArrayDeque<Buf> idle = new java.util.ArrayDeque<>();
        int size = 64 + rnd.nextInt(8192);
        int num = 2 + rnd.nextInt(7);
        EventPipe.BufSupply supply = new EventPipe.BufSupply() {
            @Override
            public Buf take(long bytes) {
                Buf b = idle.poll();
                return b != null ? b : pool.createTempBuf(bytes);
            }

            @Override
            public void give(Buf b) {
                idle.push(b);
            }
        };
        MemorySink to = new MemorySink();
        Connection into = new Connection("downstream", to);
        writer = new ChainWriter(pool).connection(into);
        to.capacity(1 + rnd.nextInt(20_000));
        long expected = 0;
        int busy = 0;
        Buf head = null;
        for (int round = 0; round < 3; round++) {
            byte[] body = TestFiles.random(rnd, 1 + rnd.nextInt(200_000));
            boolean chunked = rnd.nextInt(4) != 0;
            byte[] wire = chunked ? chunk(body, rnd) : body;
            ScriptedUpstream source = new ScriptedUpstream();
            Connection from = new Connection("upstream", source);
            if (pipe == null) {
                busy = size + rnd.nextInt((num - 2) * size + 1);
                // nginx's rule: the busy size holds the head buffer (proxy_buffer_size) as well as a raw buf
                head = pool.createTempBuf(64 + rnd.nextInt(busy - 63));
                PipeSettings.Builder settings = settings().bufs(num, size).busySize(busy);
                boolean spill = rnd.nextBoolean();
                if (spill) {
                    settings.maxTempFileSize(rnd.nextInt(100_000)).tempFileWriteSize(1 + rnd.nextInt(16_384));
                } else {
                    settings.maxTempFileSize(0);
                }
                pipe = new EventPipe(pool, from, into, timers, writer, settings.build()).bufSupply(supply);
                if (spill) {
                    pipe.tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
                }
            } else {
                pipe.reset(from);
            }
            ChunkedInputFilter filter = new ChunkedInputFilter();
            if (chunked) {
                pipe.inputFilter(filter).length(3);
            } else {
                pipe.inputFilter(CopyInputFilter.INSTANCE).length(body.length);
            }
            // the session read a head and perhaps the first bytes of the body into its own buffer
            long headLen = rnd.nextInt((int) (head.end() - head.start()));
            long pre = Math.min(wire.length, rnd.nextInt((int) (head.end() - head.start() - headLen) + 1));
            head.pos(head.start() + headLen).last(head.start() + headLen);
            MemorySegment.copy(wire, 0, head.segment(), ValueLayout.JAVA_BYTE, head.pos(), (int) pre);
            head.last(head.pos() + pre);
            pipe.preread(head);
            int at = (int) pre;
            if (at == wire.length) {
                source.eof();
            }
            for (int i = 0; i < 1_000_000 && !pipe.downstreamDone() && !pipe.downstreamError(); i++) {
                if (at < wire.length && rnd.nextInt(3) != 0) {
                    int n = Math.min(wire.length - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 12_000));
                    source.feed(Arrays.copyOfRange(wire, at, at + n));
                    at += n;
                    if (at == wire.length) {
                        source.eof();
                    }
                    DriverEvents.ready(from.read(), true);
                }
                boolean writable = rnd.nextInt(4) != 0;
                DriverEvents.ready(into.write(), writable);
                pipe.run(writable);
            }
            drainWriter(into);
            expected += body.length;
            byte[] all = to.received();
            String what = "seed " + seed + " round " + round + " body " + body.length + " chunked " + chunked
                    + " bufs " + num + "x" + size + " preread " + pre + " spilled " + pipe.spilled();
            assertEquals(expected, all.length, what);
            assertArrayEquals(body, Arrays.copyOfRange(all, all.length - body.length, all.length), what);
            pipe.close();
        }
    }

    private static byte[] chunk(byte[] body, Random rnd) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at < body.length) {
            int n = Math.min(body.length - at, 1 + rnd.nextInt(5000));
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, at, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            at += n;
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    @Test
    void aBusySizeOutsideNginxsBoundsIsRefusedWhenTheSettingsAreMade() {
        PipeSettings.Builder settings = settings().bufs(2, 8192).busySize(4096);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, settings::build);
        assertEquals("busy size (4096) must be at least one buffer (8192)", e.getMessage());
        settings.busySize(16384);
        e = assertThrows(IllegalArgumentException.class, settings::build);
        assertEquals("busy size (16384) must be less than all buffers minus one (8192)", e.getMessage());
    }

    @Test
    void aBadSettingFailsWhereItIsSetNamingTheSettingAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings().bufs(1, 4096));
        assertEquals("bufs must be at least 2 x 1 byte: 1 x 4096", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings().limitRate(-1));
        assertEquals("limit rate < 0: -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings().timeouts(60_000, -5));
        assertEquals("send timeout < 0: -5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings().maxTempFileSize(-2));
        assertEquals("max temp file size < 0: -2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PipeSettings(8, 4096, 8192, 0, -7, false, false, 0, 1, 1));
        assertEquals("temp file write size < 0: -7", e.getMessage());
    }

    @Test
    void theDefaultBusySizeIsTwoBuffersButNeverAllOfThem() {
        assertEquals(8192, settings().bufs(8, 4096).build().busySize());
        assertEquals(4096, settings().bufs(2, 4096).build().busySize());
    }

    @Test
    void aPrereadBufBiggerThanTheBusySizeIsRefusedRatherThanStalling() {
        Buf head = pool.createTempBuf(16384);
        head.last(head.start() + 10);
        pipe(settings().bufs(4, 4096).busySize(8192));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipe.preread(head));
        assertEquals("busy size (8192) must be at least the preread buffer (16384)", e.getMessage());
    }

    @Test
    void steadyStateReusesTheRawBufs() throws IOException {
        byte[] body = new byte[2_000_000];
        Arrays.fill(body, (byte) 7);
        up.feed(body).eof();
        sink.capacity(3000);
        pipe(settings().bufs(4, 4096).maxTempFileSize(0));
        pump();
        assertEquals(body.length, sink.received().length);
        assertTrue(pipe.allocated() <= 4);
    }
}
