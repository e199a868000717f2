package io.sendchain.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.internal.BufAccess;
import io.sendchain.testkit.Seeds;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** FreeRawBufs: a raw buf rejoins the free list only once no shadow of it is queued, response after response. */
class FreeRawBufsTest {

    private final Pool pool = new Pool();
    private final FreeRawBufs free = new FreeRawBufs(pool);
    private final Buf.Tag tag = new FreeBusy().tag();

    @AfterEach
    void close() {
        pool.close();
    }

    /** A raw buf read full. */
    private Buf full(int size) {
        Buf b = pool.createTempBuf(size);
        b.last(b.end());
        return b;
    }

    private Buf shadow(Buf raw, long from, long to) {
        return FreeRawBufs.shadow(new Buf(), raw, raw.start() + from, raw.start() + to, tag);
    }

    @Test
    void aRawBufRejoinsTheFreeListOnlyWhenItsLastShadowLeaves() {
        Buf raw = full(100);
        Buf s1 = shadow(raw, 0, 30);
        Buf s2 = shadow(raw, 30, 60);
        Buf s3 = shadow(raw, 60, 100);
        free.finish(raw);
        assertTrue(BufAccess.lastShadow(s3));
        assertSame(raw, BufAccess.shadow(s3), "the last shadow points back to its raw buf");
        assertFalse(free.holds(raw));
        free.release(s1);
        free.release(s2);
        assertFalse(free.holds(raw), "a shadow of it is still queued");
        free.release(s3);
        assertTrue(free.holds(raw));
        assertEquals(raw.start(), raw.last(), "free again, empty");
        assertNull(BufAccess.shadow(raw));
        assertFalse(BufAccess.lastShadow(s3));
    }

    @Test
    void aRawBufOfOnlyFramingIsFreeAtOnce() {
        Buf raw = full(10);
        free.finish(raw);
        assertTrue(free.holds(raw));
    }

    @Test
    void aRawBufWhoseShadowsWentToTheTempFileJoinsTheEndOfTheFreeListUntied() {
        Buf first = full(50);
        free.finish(first);
        Buf raw = full(100);
        Buf s1 = shadow(raw, 0, 40);
        Buf s2 = shadow(raw, 40, 100);
        free.finish(raw);
        free.spilled(s1);
        assertFalse(free.holds(raw), "not before its last shadow is written");
        free.spilled(s2);
        assertTrue(free.holds(raw));
        assertSame(first, free.takeFirst(), "appended after the bufs already free");
        assertSame(raw, free.takeFirst());
        assertNull(BufAccess.shadow(raw));
        assertNull(BufAccess.shadow(s1));
        assertFalse(BufAccess.lastShadow(s2));
        assertFalse(BufAccess.recycled(s1) || BufAccess.recycled(s2), "the shadows own no reusable memory any more");
    }

    @Test
    void aPartlyFilledFreeBufStaysFirstSoItsBytesAreReadOnInOrder() {
        Buf partly = pool.createTempBuf(100);
        partly.last(partly.start() + 7);
        free.putBack(new Chain().buf(partly).next(null));
        Buf raw = full(100);
        Buf s = shadow(raw, 0, 100);
        free.finish(raw);
        free.release(s);
        assertSame(partly, free.first());
    }

    @Test
    void marksLeftByAnEndedResponseFreeNothingOnceForgotten() {
        Buf raw = full(100);
        Buf s = shadow(raw, 0, 100);
        free.finish(raw);
        // the response ends with s sent but not yet passed over: its header waits among the pipe's free headers,
        // still marked, while raw goes back to the supply
        Chain headers = new Chain().buf(s).next(null);
        free.reset();
        FreeRawBufs.forget(headers);
        // the next response's pass over the free headers
        free.release(s);
        assertFalse(free.holds(raw), "a raw buf of the last response was freed into this one");
        assertTrue(free.isEmpty());
    }

    /**
     * Raw bufs filled and cut into shadows, shadows sent or spilled in queue order, responses ended with shadows still
     * queued and the same raw bufs taken again (as a supply hands them out): at every step a raw buf is on the free
     * list exactly when it was filtered in this response and none of its shadows is queued.
     */
    @RepeatedTest(20)
    void aRawBufIsFreeExactlyWhenNoShadowOfItIsQueued() {
        long seed = Seeds.seed("FreeRawBufsTest.model");
        Random rnd = new Random(seed);
        List<Buf> raws = new ArrayList<>();
        for (int i = 0; i < 2 + rnd.nextInt(5); i++) {
            raws.add(pool.createTempBuf(64));
        }
        ArrayDeque<Buf> queued = new ArrayDeque<>();
        Map<Buf, Integer> queuedOf = new HashMap<>();
        Map<Buf, Buf> rawOf = new HashMap<>();
        List<Buf> stale = new ArrayList<>();
        List<Buf> unused = new ArrayList<>(raws);
        Set<Buf> filtered = new HashSet<>();
        boolean groupStart = true;
        for (int step = 0; step < 300; step++) {
            String what = "seed " + seed + " step " + step;
            int op = rnd.nextInt(10);
            if (op < 4) {
                // read a raw buf full and filter it: a free one, or one entering the pipe (untied, as the pipe
                // takes raw bufs)
                Buf raw;
                if (!free.isEmpty()) {
                    raw = free.takeFirst();
                } else if (!unused.isEmpty()) {
                    raw = unused.remove(0);
                    FreeRawBufs.untie(raw);
                } else {
                    continue;
                }
                raw.pos(raw.start()).last(raw.end());
                filtered.add(raw);
                int shadows = rnd.nextInt(4);
                long at = 0;
                for (int i = 0; i < shadows; i++) {
                    long to = i == shadows - 1 ? 64 : at + rnd.nextInt((int) (64 - at) + 1);
                    Buf s = shadow(raw, at, to);
                    at = to;
                    queued.add(s);
                    rawOf.put(s, raw);
                    queuedOf.merge(raw, 1, Integer::sum);
                }
                free.finish(raw);
            } else if (op < 7) {
                // the downstream takes some shadows, in order
                for (int n = rnd.nextInt(4); n > 0 && !queued.isEmpty(); n--) {
                    Buf s = queued.poll();
                    queuedOf.merge(rawOf.get(s), -1, Integer::sum);
                    groupStart = BufAccess.lastShadow(s);
                    free.release(s);
                }
            } else if (op < 9 && groupStart) {
                // whole raw bufs' worth of shadows go to the temp file (the pipe spills from a raw buf's first)
                for (int n = 1 + rnd.nextInt(2); n > 0 && !queued.isEmpty(); ) {
                    Buf s = queued.poll();
                    queuedOf.merge(rawOf.get(s), -1, Integer::sum);
                    boolean last = BufAccess.lastShadow(s);
                    free.spilled(s);
                    if (last) {
                        n--;
                    }
                }
            } else if (op == 9) {
                // the response ends: queued shadows are left marked on the pipe's headers; the same raw bufs serve
                // the next response
                stale.addAll(queued);
                queued.clear();
                queuedOf.clear();
                free.reset();
                Chain headers = null;
                for (Buf s : stale) {
                    headers = new Chain().buf(s).next(headers);
                }
                FreeRawBufs.forget(headers);
                unused = new ArrayList<>(raws);
                filtered.clear();
                groupStart = true;
            }
            // passes over the pipe's free headers see stale marks again and again
            if (!stale.isEmpty() && rnd.nextBoolean()) {
                free.release(stale.get(rnd.nextInt(stale.size())));
            }
            for (Buf raw : raws) {
                int left = queuedOf.getOrDefault(raw, 0);
                if (free.holds(raw)) {
                    assertEquals(0, left, what + ": a raw buf is free while " + left + " shadows of it are queued");
                    assertTrue(filtered.contains(raw), what + ": a raw buf not read into this response is free");
                } else {
                    assertFalse(filtered.contains(raw) && left == 0, what + ": a raw buf without shadows is not free");
                }
            }
        }
    }
}
