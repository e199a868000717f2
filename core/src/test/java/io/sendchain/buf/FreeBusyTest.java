package io.sendchain.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** FreeBusy.update: nginx's ngx_chain_update_chains. */
class FreeBusyTest {

    private final Pool pool = new Pool();
    private final FreeBusy lists = new FreeBusy();

    @AfterEach
    void close() {
        pool.close();
    }

    private Buf own(int size, int sent) {
        return pool.createTempBuf(size).last(size).pos(sent).tag(lists.tag());
    }

    @Test
    void sentOwnBufsMoveToFreeAndAreReset() {
        Buf b = own(10, 10);
        lists.update(pool, Chain.of(b));
        assertNull(lists.busy());
        assertSame(b, lists.free().buf());
        assertEquals(0, b.pos());
        assertEquals(0, b.last());
    }

    @Test
    void theFirstOwnBufWithDataKeepsItAndEverythingAfterItBusy() {
        Buf sent = own(10, 10);
        Buf unsent = own(10, 3);
        Buf sentLater = own(10, 10);
        lists.update(pool, Chain.of(sent, unsent, sentLater));
        assertSame(sent, lists.free().buf());
        assertSame(unsent, lists.busy().buf());
        assertSame(sentLater, lists.busy().next().buf(), "busy keeps order: nothing behind an unsent buf is freed");
    }

    @Test
    void aForeignBufLeavesBusyEvenWhenNotFullySentBecauseTheTagIsCheckedFirst() {
        Buf foreign = pool.createTempBuf(10).last(10).tag(new FreeBusy().tag());
        Buf mine = own(5, 5);
        int idleBefore = pool.idleLinks();
        lists.update(pool, Chain.of(foreign, mine));
        assertNull(lists.busy());
        assertSame(mine, lists.free().buf());
        assertNull(lists.free().next());
        assertEquals(idleBefore + 1, pool.idleLinks(), "the foreign buf's link went back to the pool");
        assertEquals(10, foreign.size(), "the foreign buf itself is untouched");
    }

    @Test
    void newOutputIsAppendedBehindWhatIsAlreadyBusy() {
        Buf first = own(10, 0);
        lists.update(pool, Chain.of(first));
        Buf second = own(10, 10);
        lists.update(pool, Chain.of(second));
        assertSame(first, lists.busy().buf());
        assertSame(second, lists.busy().next().buf());
        assertNull(lists.free());
        first.pos(first.last());
        lists.update(pool, null);
        assertNull(lists.busy());
        assertSame(second, lists.free().buf(), "free is a stack: the last one moved is on top");
        assertSame(first, lists.free().next().buf());
    }

    @Test
    void takeFreePopsTheTopLink() {
        lists.update(pool, Chain.of(own(1, 1)));
        Chain cl = lists.takeFree();
        assertNull(cl.next());
        assertNull(lists.free());
        assertNull(lists.takeFree());
    }

    @Test
    void eachOwnerMakesATagOfItsOwnSoTwoOwnersNeverTakeEachOthersBufs() {
        FreeBusy other = new FreeBusy();
        assertNotSame(lists.tag(), other.tag());
        Buf theirs = pool.createTempBuf(10).last(10).pos(10).tag(other.tag());
        lists.update(pool, Chain.of(theirs));
        assertNull(lists.takeFree(), "a sent buf of another owner is not recycled here");
    }

    @Test
    void reclaimMovesOwnBusyLinksToFreeAndGivesOtherOwnersLinksBackToThePool() {
        Buf mine = own(10, 0);
        Buf theirs = pool.createTempBuf(10).last(10).tag(new FreeBusy().tag());
        lists.update(pool, Chain.of(mine, theirs));
        int idle = pool.idleLinks();
        lists.reclaim(pool);
        assertNull(lists.busy());
        assertSame(mine, lists.free().buf());
        assertNull(lists.free().next());
        assertEquals(idle + 1, pool.idleLinks(), "the other owner's link went back to the pool");
    }
}
