package io.sendchain.spi.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** One link policy for every POSIX platform: non-blocking hot-path calls are critical, waits are not. */
class PosixCallsTest {

    @Test
    void callsOnNonBlockingSocketsAreCritical() {
        for (String s : new String[] {"read", "write", "readv", "writev", "accept4", "accept", "close", "fcntl"}) {
            assertEquals(PosixCalls.Link.CRITICAL, PosixCalls.link(s), s);
        }
    }

    @Test
    void callsThatMayWaitAreOrdinaryAndStrerrorCapturesNothing() {
        for (String s : new String[] {"kevent", "epoll_wait", "sendfile", "open", "socket", "connect"}) {
            assertEquals(PosixCalls.Link.ORDINARY, PosixCalls.link(s), s);
        }
        assertEquals(PosixCalls.Link.NO_ERRNO, PosixCalls.link("strerror"));
    }

    @Test
    void aSymbolThatIsNoLibcNameIsMisuse() {
        assertEquals("symbol must be a lower-case libc name: \"Read\"",
                assertThrows(IllegalArgumentException.class, () -> PosixCalls.link("Read")).getMessage());
    }
}
