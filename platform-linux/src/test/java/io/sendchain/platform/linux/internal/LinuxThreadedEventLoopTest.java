package io.sendchain.platform.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.StandardPlatformOptions;
import io.sendchain.testkit.EventLoopContract;
import org.junit.jupiter.api.AfterEach;

/**
 * The event-loop contract with sendfile on a thread pool (nginx's {@code aio threads}): many concurrent slow
 * readers, every byte must arrive, and no socket's task may ever run twice at once.
 */
class LinuxThreadedEventLoopTest extends EventLoopContract {

    @Override
    protected Platform openPlatform() {
        return new LinuxPlatform(new Syscalls(), PlatformConfig.defaults().with(StandardPlatformOptions.AIO_THREADS, 4));
    }

    @Override
    protected int concurrentClients() {
        return 64;
    }

    @AfterEach
    void noTaskRanTwice() {
        LinuxPlatform p = (LinuxPlatform) platform();
        assertEquals(0, p.taskOverlaps(), "a socket's sendfile task ran while it was already running");
        assertTrue(p.tasksRun() > 0, "the sends went through the thread pool");
    }
}
