package io.sendchain.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** LogLimiter: one report per interval, and the count of what it held back in between. */
class LogLimiterTest {

    @Test
    void theFirstOccurrenceIsReportedAndTheRestOfTheIntervalIsCountedForTheNextReport() {
        LogLimiter l = new LogLimiter(1000);
        assertEquals(0, l.occurred(5_000));
        assertEquals(-1, l.occurred(5_000));
        assertEquals(-1, l.occurred(5_400));
        assertEquals(-1, l.occurred(5_999));
        assertEquals(3, l.suppressed());
        assertEquals(3, l.occurred(6_000), "a new interval: reported, with the three held back");
        assertEquals(0, l.suppressed());
        assertEquals(0, l.occurred(9_000), "nothing held back since");
    }

    @Test
    void aZeroIntervalReportsEveryOccurrence() {
        LogLimiter l = new LogLimiter(0);
        assertEquals(0, l.occurred(7));
        assertEquals(0, l.occurred(7));
        assertEquals(0, l.suppressed());
    }

    @Test
    void aNegativeIntervalIsMisuse() {
        assertEquals("log interval < 0: -1",
                assertThrows(IllegalArgumentException.class, () -> new LogLimiter(-1)).getMessage());
    }
}
