package io.sendchain.platform.generic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sendchain.spi.Errno;
import org.junit.jupiter.api.Test;

/** The class of a failed NIO accept, from the system's text the JDK puts in its exception. */
class NioAcceptErrorsTest {

    @Test
    void theSystemsTextsForTheErrorsTheAcceptorTellsApartAreClassified() {
        assertEquals(Errno.EMFILE, NioListenSocket.errno("Too many open files"));
        assertEquals(Errno.ENFILE, NioListenSocket.errno("Too many open files in system"));
        assertEquals(Errno.ENOBUFS, NioListenSocket.errno("No buffer space available"));
        assertEquals(Errno.ENOMEM, NioListenSocket.errno("Cannot allocate memory"));
        assertEquals(Errno.ECONNABORTED, NioListenSocket.errno("Software caused connection abort"));
    }

    @Test
    void anyOtherTextOrNoneIsOther() {
        assertEquals(Errno.OTHER, NioListenSocket.errno("Bad file descriptor"));
        assertEquals(Errno.OTHER, NioListenSocket.errno(null));
    }
}
