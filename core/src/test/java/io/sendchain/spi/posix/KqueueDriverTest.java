package io.sendchain.spi.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kqueue driver's descriptor over a scripted kernel: what it calls after it was closed. */
@Timeout(10)
class KqueueDriverTest {

    private static final int KQ = 9;
    /** FreeBSD's 64-byte {@code struct kevent} and numbers; the driver needs only the shape here. */
    private static final KqueueAbi ABI = new KqueueAbi(MemoryLayout.structLayout(JAVA_LONG.withName("ident"),
            JAVA_SHORT.withName("filter"), JAVA_SHORT.withName("flags"), JAVA_INT.withName("fflags"),
            JAVA_LONG.withName("data"), JAVA_LONG.withName("udata"), MemoryLayout.sequenceLayout(4, JAVA_LONG)
                    .withName("ext")),
            (short) -1, (short) -2, (short) -11, (short) 0x1, (short) 0x2, (short) 0x20, (short) 0x4000,
            (short) 0x8000, 0x01000000, 4);

    private final KqueueKernel k = mock(KqueueKernel.class);

    @Test
    void aWakeUpAfterCloseReachesNoDescriptor() throws IOException {
        when(k.kqueue()).thenReturn(KQ);
        when(k.kevent(anyInt(), any(), anyInt(), any(), anyInt(), anyLong())).thenReturn(0);
        KqueueDriver d = new KqueueDriver(k, ABI);
        verify(k, times(1)).kevent(eq(KQ), any(), eq(1), eq(MemorySegment.NULL), eq(0), eq(0L)); // EVFILT_USER added
        d.wakeup();
        verify(k, times(2)).kevent(eq(KQ), any(), eq(1), eq(MemorySegment.NULL), eq(0), eq(0L));
        d.close();
        verify(k).close(KQ);
        // the kqueue's number may be someone else's descriptor by now (a late stop() or execute())
        d.wakeup();
        d.close();
        verify(k, times(2)).kevent(eq(KQ), any(), eq(1), eq(MemorySegment.NULL), eq(0), eq(0L));
        verify(k, times(1)).close(KQ);
    }

    @Test
    void aFailedWakeUpRegistrationClosesTheKqueue() {
        when(k.kqueue()).thenReturn(KQ);
        when(k.kevent(anyInt(), any(), anyInt(), any(), anyInt(), anyLong())).thenReturn(-12);
        when(k.strerror(anyInt())).thenReturn("Cannot allocate memory");
        assertThrows(IOException.class, () -> new KqueueDriver(k, ABI));
        verify(k).close(KQ);
    }
}
