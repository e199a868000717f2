package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.platform.linux.LinuxOptions;
import io.sendchain.platform.linux.LinuxPlatformProvider;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import io.sendchain.spi.StandardPlatformOptions;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The linux platform's options: their defaults, values given as text or typed, and a misspelt name refused. */
class LinuxPlatformOptionsTest {

    private final PlatformRegistry registry = PlatformRegistry.of(List.of(new LinuxPlatformProvider()));

    @Test
    void withoutOptionsTheHeaderIsCorkedAndSendfileRunsOnTheLoopThread() {
        try (LinuxPlatform p = new LinuxPlatform(new Syscalls(), PlatformConfig.defaults())) {
            assertEquals(0, p.moreMax());
            assertFalse(p.threaded());
        }
    }

    @Test
    void optionsGivenAsTextOnACommandLineReachThePlatform() throws IOException {
        try (Platform p = registry.open(PlatformConfig.defaults().with("aio.threads", "2").with("more.max", "64k"))) {
            LinuxPlatform linux = (LinuxPlatform) p;
            assertEquals(65536, linux.moreMax());
            assertTrue(linux.threaded());
        }
    }

    @Test
    void typedOptionsReachThePlatform() throws IOException {
        try (Platform p = registry.open(PlatformConfig.defaults().with(LinuxOptions.AIO_THREADS, 1)
                .with(LinuxOptions.MORE_MAX, 4096L))) {
            LinuxPlatform linux = (LinuxPlatform) p;
            assertEquals(4096, linux.moreMax());
            assertTrue(linux.threaded());
        }
        assertSame(StandardPlatformOptions.AIO_THREADS, LinuxOptions.AIO_THREADS);
        assertSame(LinuxPlatform.MORE_MAX, LinuxOptions.MORE_MAX);
    }

    @Test
    void aMisspeltOptionIsRefusedListingTheOptionsOfLinux() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.open(PlatformConfig.defaults().with("aio.thread", "4")));
        assertEquals("unknown option \"aio.thread\" for platform linux; known: aio.threads (int >= 0, default 0: "
                + "threads that run sendfile off the event loop, nginx's aio threads; 0: sendfile on the loop "
                + "thread), more.max (size, default 0: a header before a file of at most this size goes with "
                + "MSG_MORE instead of TCP_CORK on/off (two system calls fewer); 0: always cork, as nginx does)",
                e.getMessage());
    }

    @Test
    void aValueTheOptionCannotReadIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.open(PlatformConfig.defaults().with("aio.threads", "four")));
        assertTrue(e.getMessage().startsWith("bad value \"four\" for option aio.threads: not an int (platform linux"),
                e.getMessage());
    }
}
