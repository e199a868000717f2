package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import org.junit.jupiter.api.Test;

/** DriverEvents: what a driver or a platform socket sets is what users read on the event. */
class DriverEventsTest {

    private final StreamSocket socket = mock(StreamSocket.class);
    private final Connection c = new Connection("c", socket);

    @Test
    void flagsADriverSetsAreWhatTheEventReports() {
        Event rev = c.read();
        DriverEvents.ready(rev, true);
        DriverEvents.eof(rev, true);
        DriverEvents.error(rev, true);
        assertTrue(rev.ready());
        assertTrue(rev.eof());
        assertTrue(rev.error());
        DriverEvents.ready(rev, false);
        assertFalse(rev.ready());
        assertFalse(c.write().eof(), "the other direction is untouched");
    }

    @Test
    void aPendingEofKeepsTheErrnoTheKernelGaveWithIt() {
        Event wev = c.write();
        DriverEvents.pendingEof(wev, true);
        DriverEvents.kqErrno(wev, 54);
        assertTrue(DriverEvents.pendingEof(wev));
        assertEquals(54, DriverEvents.kqErrno(wev));
        assertEquals("errno < 0: -1",
                assertThrows(IllegalArgumentException.class, () -> DriverEvents.kqErrno(wev, -1)).getMessage());
    }

    @Test
    void registrationCompletionAndTheDriverSlotAreTheDriversOwn() {
        assertFalse(DriverEvents.active(c.read()));
        DriverEvents.active(c.read(), true);
        assertTrue(DriverEvents.active(c.read()));
        DriverEvents.complete(c.write(), true);
        assertTrue(DriverEvents.complete(c.write()));
        assertEquals(-1, DriverEvents.driverSlot(c));
        DriverEvents.driverSlot(c, 7);
        assertEquals(7, DriverEvents.driverSlot(c));
        assertSame(socket, DriverEvents.socket(c));
    }

    @Test
    void anEventPostsToThePosterATestDoubleGivesIt() {
        assertNull(DriverEvents.executor(c.write()), "no loop yet");
        c.write().post(); // nowhere to go: nothing happens
        EventPoster poster = mock(EventPoster.class);
        DriverEvents.poster(c.write(), poster);
        c.write().post();
        c.write().postNextCycle();
        Runnable task = () -> { };
        DriverEvents.executor(c.write()).execute(task);
        verify(poster).post(c.write());
        verify(poster).postNext(c.write());
        verify(poster).execute(task);
    }
}
