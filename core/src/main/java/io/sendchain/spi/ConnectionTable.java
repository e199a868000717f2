package io.sendchain.spi;

import io.sendchain.event.Connection;
import java.util.Arrays;

/**
 * The connections an {@link IoDriver} watches, by slot, for drivers whose kernel hands back a 64-bit word with
 * each report ({@code epoll_event.data}, {@code kevent.udata}). {@link #add} files a connection and returns that
 * word: the slot number in the low 32 bits and the slot's generation in the high ones. {@link #get} turns a
 * report's word back into the connection with two array reads and no allocation, and returns {@code null} for a
 * report about an earlier occupant of the slot (a connection removed, perhaps while the kernel still held a
 * report for it, whose slot now serves another). Freed slots are reused; the table grows by doubling. The
 * connection remembers its slot ({@link DriverEvents#driverSlot(Connection)}), so removing is constant time too.
 *
 * <p>One table per driver, used from the driver's loop thread only.
 */
public final class ConnectionTable {

    private Connection[] slots = new Connection[64];
    private int[] generation = new int[64];
    private int[] free = new int[64];
    private int freeCount;
    private int used;

    /** Files {@code c} in a free slot and returns the word to register with the kernel for it. */
    public long add(Connection c) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                slots = Arrays.copyOf(slots, used * 2);
                generation = Arrays.copyOf(generation, used * 2);
                free = Arrays.copyOf(free, used * 2);
            }
            slot = used++;
        }
        slots[slot] = c;
        DriverEvents.driverSlot(c, slot);
        return (long) generation[slot] << 32 | slot;
    }

    /** The connection a report's word names, or {@code null} if the word is stale or not one of the table's. */
    public Connection get(long word) {
        int slot = (int) word;
        if (slot < 0 || slot >= used || generation[slot] != (int) (word >>> 32)) {
            return null;
        }
        return slots[slot];
    }

    /**
     * Takes {@code c} out of the table (nothing happens if it is not in it); words given out for it are stale
     * from now on.
     */
    public void remove(Connection c) {
        int slot = DriverEvents.driverSlot(c);
        if (slot >= 0 && slot < used && slots[slot] == c) {
            slots[slot] = null;
            generation[slot] = (generation[slot] + 1) & Integer.MAX_VALUE;
            free[freeCount++] = slot;
        }
        DriverEvents.driverSlot(c, -1);
    }
}
