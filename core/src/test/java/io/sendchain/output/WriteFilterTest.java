package io.sendchain.output;

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
import io.sendchain.internal.EventAccess;
import io.sendchain.loop.Timers;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.MemorySink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WriteFilter: nginx's ngx_http_write_filter (rate limit, postpone, per-call limit, delayed timer, push). */
class WriteFilterTest {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    /** A clock and timers the test moves; a fired timer sets timedOut, as the loop does. */
    private static final class FakeTimers implements Timers {
        long now = 5_000_000;
        Event armed;
        long deadline;

        @Override
        public long now() {
            return now;
        }

        @Override
        public void addTimer(Event ev, long delayMillis) {
            armed = ev;
            deadline = now + delayMillis;
            A.timerSet(ev, true);
        }

        @Override
        public void deleteTimer(Event ev) {
            armed = null;
            A.timerSet(ev, false);
        }

        /** Moves the clock to the armed timer's deadline and fires it. */
        long fire() {
            long waited = deadline - now;
            now = deadline;
            Event ev = armed;
            armed = null;
            A.timerSet(ev, false);
            A.timedOut(ev, true);
            return waited;
        }
    }

    private final Pool pool = new Pool();
    private final MemorySink sink = new MemorySink();
    private final Connection c = new Connection("test", sink);
    private final ChainWriter writer = new ChainWriter(pool).connection(c);
    private final FakeTimers timers = new FakeTimers();
    private final WriteFilter filter = new WriteFilter(writer, timers);

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        pool.close();
    }

    private Buf mem(int size) {
        return pool.createTempBuf(size).last(size);
    }

    /** The write handler's part (nginx's ngx_http_request_handler): the rate limit's timer ends the delay. */
    private Status resume() throws IOException {
        Event wev = c.write();
        if (wev.timedOut() && wev.delayed()) {
            wev.delayed(false);
        }
        A.timedOut(wev, false); // as the loop does once the handler returns
        return filter.filter(null);
    }

    @Test
    void theRateLimitDelaysTheWriteEventAndItsTimerResumesIt() throws IOException {
        DriverEvents.ready(c.write(), true);
        filter.limitRate(1000, 0);
        filter.start();
        Buf body = mem(3000);
        body.lastBuf(true);
        // the first second allows 1000 bytes; what was sent is paid for with a second's delay
        assertEquals(Status.AGAIN, filter.filter(Chain.of(body)));
        assertEquals(1000, c.sent());
        assertTrue(c.write().delayed());
        assertEquals(1000, timers.deadline - timers.now);
        // while delayed nothing goes, however writable the socket
        assertEquals(Status.AGAIN, filter.filter(null));
        assertEquals(1000, c.sent());
        assertEquals(1000, timers.fire());
        assertEquals(Status.AGAIN, resume());
        assertEquals(2000, c.sent());
        timers.fire();
        assertEquals(Status.OK, resume());
        assertEquals(3000, c.sent());
        assertEquals(1, sink.pushes(), "pushed once, after the last buf");
    }

    @Test
    void bytesBeforeLimitRateAfterGoAtFullSpeed() throws IOException {
        DriverEvents.ready(c.write(), true);
        filter.limitRate(1000, 5000);
        filter.start();
        Buf body = mem(5500);
        body.lastBuf(true);
        assertEquals(Status.OK, filter.filter(Chain.of(body)));
        assertEquals(5500, c.sent());
        assertFalse(c.write().delayed());
    }

    @Test
    void whenTheRateAllowsNothingYetTheTimerWaitsForIt() throws IOException {
        DriverEvents.ready(c.write(), true);
        filter.limitRate(1000, 0);
        filter.start();
        DriverEvents.addSent(c, 2500); // already more than the first second allows
        assertEquals(Status.AGAIN, filter.filter(Chain.of(mem(10))));
        assertEquals(2500, c.sent());
        assertTrue(c.write().delayed());
        assertEquals(1501, timers.deadline - timers.now);
    }

    @Test
    void smallOutputIsPostponedUntilTheThresholdAFlushOrTheLastBuf() throws IOException {
        DriverEvents.ready(c.write(), true);
        filter.postpone(1460);
        assertEquals(Status.OK, filter.filter(Chain.of(mem(100))));
        assertEquals(0, c.sent(), "held");
        assertEquals(Status.OK, filter.filter(Chain.of(mem(1400))));
        assertEquals(1500, c.sent(), "over the threshold: all of it");

        assertEquals(Status.OK, filter.filter(Chain.of(mem(10))));
        assertEquals(1500, c.sent());
        assertEquals(Status.OK, filter.filter(Chain.of(Buf.flushBuf())));
        assertEquals(1510, c.sent(), "a flush sends what was held");

        assertEquals(Status.OK, filter.filter(Chain.of(mem(10))));
        assertEquals(Status.OK, filter.filter(Chain.of(Buf.lastBufMarker())));
        assertEquals(1520, c.sent(), "so does the last buf");
        assertEquals(1, sink.pushes());
    }

    @Test
    void theWritersLimitCapsEachCall() throws IOException {
        DriverEvents.ready(c.write(), true);
        writer.limit(1000);
        assertEquals(Status.AGAIN, filter.filter(Chain.of(mem(2500))));
        assertEquals(1000, c.sent());
        assertEquals(1000, sink.largestCall());
    }

    @Test
    void theRateLimitIsCappedByThePerCallLimit() throws IOException {
        DriverEvents.ready(c.write(), true);
        writer.limit(300);
        filter.limitRate(1000, 0);
        filter.start();
        assertEquals(Status.AGAIN, filter.filter(Chain.of(mem(2000))));
        assertEquals(300, c.sent());
    }

    @Test
    void thePushComesOnceAfterTheLastBufAndNeverOnAConnectionClosedAfterItsOutput() throws IOException {
        DriverEvents.ready(c.write(), true);
        assertEquals(Status.OK, filter.filter(Chain.of(mem(10))));
        assertEquals(0, sink.pushes(), "no last buf yet");
        Buf last = mem(10);
        last.lastBuf(true);
        assertEquals(Status.OK, filter.filter(Chain.of(last)));
        assertEquals(1, sink.pushes());
        assertEquals(Status.OK, filter.filter(null));
        assertEquals(1, sink.pushes(), "once");

        sink.capacity(5);
        Buf partial = mem(10);
        partial.lastBuf(true);
        assertEquals(Status.AGAIN, filter.filter(Chain.of(partial)));
        assertEquals(1, sink.pushes(), "not while the last buf is unsent");
        sink.capacity(Long.MAX_VALUE);
        DriverEvents.ready(c.write(), true);
        assertEquals(Status.OK, filter.filter(null));
        assertEquals(2, sink.pushes());

        c.closeAfterOutput(true);
        Buf closing = mem(10);
        closing.lastBuf(true);
        assertEquals(Status.OK, filter.filter(Chain.of(closing)));
        assertEquals(2, sink.pushes(), "the close sends what is held back");
    }

    @Test
    void aLastBufAloneAfterTheDataStillPushes() throws IOException {
        DriverEvents.ready(c.write(), true);
        assertEquals(Status.OK, filter.filter(Chain.of(mem(10))));
        assertEquals(Status.OK, filter.filter(Chain.of(Buf.lastBufMarker())));
        assertEquals(1, sink.pushes());
    }

    @Test
    void withSendfileOffAFileBufIsRefusedAndMemoryStillGoes() throws IOException {
        DriverEvents.ready(c.write(), true);
        c.sendfile(false);
        Path f = Files.write(dir.resolve("f"), "file bytes".getBytes(StandardCharsets.US_ASCII));
        try (FileRef ref = FileRef.open(f)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> filter.filter(Chain.of(Buf.ofFile(ref, 0, 10))));
            assertTrue(e.getMessage().contains("sendfile off"), e.getMessage());
            assertEquals(Status.OK, filter.filter(Chain.of(mem(10))));
            assertEquals(10, c.sent());
            c.sendfile(true);
            assertEquals(Status.OK, filter.filter(Chain.of(Buf.ofFile(ref, 0, 10))));
            assertEquals("file bytes", new String(sink.received(), 10, 10, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertEquals("limit rate < 0: -1",
                assertThrows(IllegalArgumentException.class, () -> filter.limitRate(-1, 0)).getMessage());
        assertEquals("limit rate after < 0: -2",
                assertThrows(IllegalArgumentException.class, () -> filter.limitRate(1, -2)).getMessage());
        assertEquals("postpone output < 0: -3",
                assertThrows(IllegalArgumentException.class, () -> filter.postpone(-3)).getMessage());
    }
}
