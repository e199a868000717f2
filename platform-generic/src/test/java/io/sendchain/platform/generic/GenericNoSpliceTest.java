package io.sendchain.platform.generic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The generic platform has no zero-copy relay: callers see it and keep relaying through memory. */
class GenericNoSpliceTest {

    @Test
    void theGenericPlatformSaysItCannotSpliceAndRefusesASplicerNamingItself() throws Exception {
        try (GenericPlatform p = new GenericPlatform(NioKernel.REAL)) {
            assertFalse(p.supportsSplice());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> p.newSplicer(65536, 4));
            assertTrue(e.getMessage().contains(p.name()), e.getMessage());
        }
    }
}
