package io.sendchain.examples.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Strings for the byte sequences request heads repeat (targets, validators, ranges), so that a request that says
 * what an earlier one said makes no new {@code String}: a direct-mapped table, one string per slot, a newer one
 * replacing an older one on a collision. Bounded by construction; one per worker, loop thread only.
 *
 * <p>What it buys: the static server's hot path (parse, lookup, response head) allocates nothing in steady state
 * (issue 14). A sequence longer than {@link #maxLength} is not kept (it gets a fresh string each time).
 */
final class AsciiStrings {

    private final String[] slots;
    private final int mask;
    private final int maxLength;

    /**
     * @param slots     table size, a power of two
     * @param maxLength the longest sequence kept
     */
    AsciiStrings(int slots, int maxLength) {
        if (slots <= 0 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots is not a positive power of two: " + slots);
        }
        this.slots = new String[slots];
        this.mask = slots - 1;
        this.maxLength = maxLength;
    }

    /** The string of the bytes {@code [from, to)} of {@code s}, read as ISO-8859-1. */
    String get(MemorySegment s, long from, long to) {
        long n = to - from;
        if (n > maxLength) {
            return HttpSyntax.ascii(s, from, to);
        }
        int h = 0;
        for (long i = from; i < to; i++) {
            h = 31 * h + (s.get(ValueLayout.JAVA_BYTE, i) & 0xff);
        }
        int slot = (h ^ (h >>> 16)) & mask;
        String kept = slots[slot];
        if (kept != null && same(kept, s, from, n)) {
            return kept;
        }
        String fresh = HttpSyntax.ascii(s, from, to);
        slots[slot] = fresh;
        return fresh;
    }

    private static boolean same(String kept, MemorySegment s, long from, long n) {
        if (kept.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (kept.charAt(i) != (s.get(ValueLayout.JAVA_BYTE, from + i) & 0xff)) {
                return false;
            }
        }
        return true;
    }
}
