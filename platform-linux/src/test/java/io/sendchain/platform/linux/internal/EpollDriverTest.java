package io.sendchain.platform.linux.internal;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.sendchain.spi.PlatformConfig;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The epoll driver's descriptors over a scripted kernel: what it calls after it was closed. */
@Timeout(10)
class EpollDriverTest {

    private static final int EPFD = 5;
    private static final int EFD = 6;

    private final LinuxKernel k = mock(LinuxKernel.class);

    private EpollDriver driver() throws IOException {
        when(k.epollCreate1(anyInt())).thenReturn(EPFD);
        when(k.eventfd(anyInt(), anyInt())).thenReturn(EFD);
        when(k.epollCtl(anyInt(), anyInt(), anyInt(), any())).thenReturn(0);
        when(k.write(anyInt(), anyLong(), anyLong())).thenReturn(8L);
        return new EpollDriver(new LinuxPlatform(k, PlatformConfig.defaults()));
    }

    @Test
    void aWakeUpAfterCloseWritesToNoDescriptor() throws IOException {
        EpollDriver d = driver();
        d.wakeup();
        verify(k, times(1)).write(eq(EFD), anyLong(), eq(8L));
        d.close();
        verify(k).close(EFD);
        verify(k).close(EPFD);
        // the eventfd's number may be someone else's file by now (a late stop() or execute() from another thread)
        d.wakeup();
        d.close();
        verify(k, times(1)).write(eq(EFD), anyLong(), eq(8L));
        verify(k, times(1)).close(EFD);
    }

    @Test
    void aFailedRegistrationOfTheWakeUpClosesBothDescriptors() {
        when(k.epollCreate1(anyInt())).thenReturn(EPFD);
        when(k.eventfd(anyInt(), anyInt())).thenReturn(EFD);
        when(k.epollCtl(anyInt(), anyInt(), anyInt(), any())).thenReturn(-(int) Linux.ENOMEM);
        when(k.strerror(anyInt())).thenReturn("Cannot allocate memory");
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new EpollDriver(new LinuxPlatform(k, PlatformConfig.defaults())));
        verify(k).close(EFD);
        verify(k).close(EPFD);
        verify(k, never()).write(anyInt(), anyLong(), anyLong());
    }
}
