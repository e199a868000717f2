package io.sendchain.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.internal.EventAccess;
import io.sendchain.testkit.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;

/** TimerHeap against a sorted list, under random adds and removes. */
class TimerHeapTest {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    @RepeatedTest(10)
    void randomAddsAndRemovesAlwaysYieldTheEarliestDeadlineFirst() {
        long seed = Seeds.seed("TimerHeapTest");
        Random rnd = new Random(seed);
        TimerHeap heap = new TimerHeap();
        List<Event> armed = new ArrayList<>();
        long seq = 0;
        for (int step = 0; step < 2000; step++) {
            int op = rnd.nextInt(3);
            if (op < 2 || armed.isEmpty()) {
                Event ev = new Connection("c" + step, (c, in, l) -> in).read();
                A.timerDeadline(ev, rnd.nextInt(500));
                A.timerSeq(ev, seq++);
                heap.add(ev);
                armed.add(ev);
            } else {
                Event ev = armed.remove(rnd.nextInt(armed.size()));
                heap.remove(ev);
                assertEquals(-1, A.timerIndex(ev));
            }
            Event min = armed.stream().min((a, b) -> A.timerDeadline(a) != A.timerDeadline(b)
                    ? Long.compare(A.timerDeadline(a), A.timerDeadline(b))
                    : Long.compare(A.timerSeq(a), A.timerSeq(b))).orElse(null);
            assertTrue(heap.min() == min, "seed " + seed + " step " + step);
            assertEquals(armed.size(), heap.size());
        }
    }
}
