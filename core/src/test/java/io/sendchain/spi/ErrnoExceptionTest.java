package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sendchain.spi.Errno;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** ErrnoException: the call, the errno and its class, and a message that reads like every other failure's. */
class ErrnoExceptionTest {

    @Test
    void theMessageNamesTheCallAndTheSystemsText() {
        ErrnoException e = new ErrnoException("accept4", 24, Errno.EMFILE, "Too many open files");
        assertEquals("accept4() failed: Too many open files", e.getMessage());
        assertEquals("accept4", e.call());
        assertEquals(24, e.errno());
        assertEquals(Errno.EMFILE, e.kind());
    }

    @Test
    void theExceptionThatReportedItFirstIsKeptAsTheCause() {
        IOException nio = new IOException("Too many open files");
        assertEquals(nio, new ErrnoException("accept", 0, Errno.EMFILE, nio.getMessage(), nio).getCause());
    }

    @Test
    void aNegativeErrnoIsMisuse() {
        assertEquals("errno < 0: -24", assertThrows(IllegalArgumentException.class,
                () -> new ErrnoException("accept4", -24, Errno.EMFILE, "Too many open files")).getMessage());
    }
}
