package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.Mockito.mock;

import io.sendchain.event.Connection;
import io.sendchain.event.StreamSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionTableTest {

    private final ConnectionTable table = new ConnectionTable();

    private static Connection connection(String name) {
        return new Connection(name, mock(StreamSocket.class));
    }

    @Test
    void aWordLeadsBackToItsConnectionUntilTheConnectionIsRemoved() {
        Connection a = connection("a");
        Connection b = connection("b");
        long wa = table.add(a);
        long wb = table.add(b);
        assertSame(a, table.get(wa));
        assertSame(b, table.get(wb));
        table.remove(a);
        assertNull(table.get(wa));
        assertEquals(-1, DriverEvents.driverSlot(a));
        assertSame(b, table.get(wb));
    }

    @Test
    void aReusedSlotDoesNotAnswerForItsEarlierOccupant() {
        Connection a = connection("a");
        long wa = table.add(a);
        table.remove(a);
        Connection c = connection("c");
        long wc = table.add(c);
        assertEquals((int) wa, (int) wc, "the slot was reused");
        assertNotEquals(wa, wc);
        assertNull(table.get(wa), "a late report about a must not reach c");
        assertSame(c, table.get(wc));
    }

    @Test
    void theTableGrowsAndRemovingTwiceOrRemovingAStrangerChangesNothing() {
        List<Connection> all = new ArrayList<>();
        List<Long> words = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Connection c = connection("c" + i);
            all.add(c);
            words.add(table.add(c));
        }
        Connection stranger = connection("stranger");
        table.remove(stranger);
        table.remove(all.get(10));
        table.remove(all.get(10));
        for (int i = 0; i < all.size(); i++) {
            if (i != 10) {
                assertSame(all.get(i), table.get(words.get(i)));
            }
        }
        // one freed slot: the next two connections get it and a new one, never the same slot twice
        long w1 = table.add(connection("n1"));
        long w2 = table.add(connection("n2"));
        assertNotEquals((int) w1, (int) w2);
    }

    @Test
    void wordsTheTableNeverGaveOutFindNothing() {
        table.add(connection("a"));
        assertNull(table.get(-1));
        assertNull(table.get(5));
        assertNull(table.get(1L << 32));
    }
}
