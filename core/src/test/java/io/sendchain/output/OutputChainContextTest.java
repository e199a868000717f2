package io.sendchain.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.internal.BufAccess;
import io.sendchain.testkit.RecordingFilter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OutputChainContext: every branch of nginx's ngx_output_chain and its helpers. */
class OutputChainContextTest {


    private final Pool pool = new Pool();
    private final RecordingFilter next = new RecordingFilter();
    private final OutputChainContext ctx = new OutputChainContext(pool, next);
    private final List<FileRef> files = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws IOException {
        for (FileRef f : files) {
            f.close();
        }
        pool.close();
    }

    private Buf mem(String s) {
        return Buf.copyOf(pool, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Buf temp(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        Buf b = pool.createTempBuf(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, b.segment(), 0, bytes.length);
        return b.last(bytes.length);
    }

    private FileRef file(String name, String content) throws IOException {
        FileRef f = FileRef.open(Files.writeString(dir.resolve(name), content, StandardCharsets.ISO_8859_1));
        files.add(f);
        return f;
    }

    private Buf fileBuf(FileRef f, long from, long to) {
        return Buf.ofFile(f, from, to);
    }

    @Test
    void twoContextsTagTheirCopiesWithTagsOfTheirOwn() {
        OutputChainContext other = new OutputChainContext(pool, next);
        assertNotSame(ctx.tag(), other.tag(), "contexts built the same way never recycle each other's copies");
    }

    @Test
    void aContextWithoutAPoolOrANextFilterIsMisuseNamedAsSuch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OutputChainContext(null, next));
        assertTrue(e.getMessage().startsWith("pool and next must not be null"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OutputChainContext(pool, null));
        assertThrows(IllegalArgumentException.class, () -> ctx.readHook(FileReadHook.threadPool(Runnable::run), null));
    }

    @Nested
    class ShortPath {

        @Test
        void anEmptyCallGoesStraightToTheNextFilter() throws IOException {
            assertEquals(Status.OK, ctx.output(null));
            assertEquals(1, next.calls().size());
            assertTrue(next.call(0).links().isEmpty());
        }

        @Test
        void aSingleBufThatNeedsNoCopyIsPassedWithTheCallersOwnLink() throws IOException {
            Chain in = Chain.of(temp("hello"));
            assertEquals(Status.OK, ctx.output(in));
            assertSame(in, next.call(0).links().getFirst());
            assertEquals(0, ctx.allocated());
        }

        @Test
        void theShortPathIsNotTakenWhileCopiesAreBusy() throws IOException {
            ctx.needInTemp(true).bufs(1, 4);
            next.consume(false);
            ctx.output(Chain.of(mem("abcdef")));
            assertNotNull(BufAccess.busy(ctx.lists()));
            Chain in = Chain.of(temp("zz"));
            ctx.output(in);
            for (RecordingFilter.Call call : next.calls()) {
                assertFalse(call.links().contains(in), "the caller's link never reaches the next filter");
            }
        }

        @Test
        void theShortPathIsNotTakenForABufCrossingTheSendfileLimit() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true).sendfileLimit(4);
            Chain in = Chain.of(fileBuf(f, 0, 10));
            ctx.output(in);
            assertNotSame(in, next.call(0).links().getFirst());
            assertEquals("0123", next.call(0).text());
        }

        @Test
        void twoBufsThatNeedNoCopyAreQueuedAndPassedTogether() throws IOException {
            ctx.output(Chain.of(temp("ab"), temp("cd")));
            assertEquals(1, next.calls().size());
            assertEquals("abcd", next.call(0).text());
        }
    }

    @Nested
    class AsIs {

        @Test
        void aFileBufGoesAsIsWithSendfile() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true);
            Buf b = fileBuf(f, 2, 8);
            ctx.output(Chain.of(b, Buf.lastBufMarker()));
            assertSame(b, next.call(0).buf(0));
            assertEquals(0, ctx.allocated());
        }

        @Test
        void aFileBufIsReadIntoACopyWithoutSendfile() throws IOException {
            FileRef f = file("f", "0123456789");
            Buf b = fileBuf(f, 2, 8).lastBuf(true);
            ctx.output(Chain.of(b));
            Buf copy = next.call(0).buf(0);
            assertNotSame(b, copy);
            assertEquals("234567", next.call(0).text());
            assertFalse(copy.inFile(), "without sendfile the copy is memory only");
            assertTrue(copy.temporary());
            assertTrue(copy.lastBuf());
            assertSame(ctx.tag(), BufAccess.tag(copy));
        }

        @Test
        void withoutSendfileABufInMemoryAndInAFileGoesAsIsAsMemoryOnly() throws IOException {
            FileRef f = file("f", "0123456789");
            Buf both = inFileToo(temp("0123"), f).fileLast(4);
            ctx.output(Chain.of(both));
            assertSame(both, next.call(0).buf(0));
            assertFalse(both.inFile(), "its file window is dropped: the memory is what gets sent");
        }

        @Test
        void needInMemoryReadsAFileBufAndKeepsTheFileWindowForSendfile() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true).needInMemory(true);
            ctx.output(Chain.of(fileBuf(f, 3, 7)));
            Buf copy = next.call(0).buf(0);
            assertEquals("3456", next.call(0).text());
            assertTrue(copy.inMemory());
            assertTrue(copy.inFile());
            assertSame(f, copy.file());
            assertTrue(next.call(0).shape(0).contains("\" 3-7"), next.call(0).shape(0));
        }

        @Test
        void needInTempCopiesReadOnlyMemoryButPassesTemporaryMemory() throws IOException {
            ctx.needInTemp(true);
            Buf ro = mem("read-only");
            Buf tmp = temp("scratch");
            ctx.output(Chain.of(ro, tmp));
            RecordingFilter.Call call = next.call(0);
            assertNotSame(ro, call.buf(0));
            assertSame(tmp, call.buf(1));
            assertEquals("read-onlyscratch", call.text());
        }

        @Test
        void needInTempCopiesMappedMemory() throws IOException {
            ctx.needInTemp(true);
            Buf mapped = temp("mapped");
            BufAccess.temporary(mapped, false);
            BufAccess.mmap(mapped, true);
            ctx.output(Chain.of(mapped));
            assertNotSame(mapped, next.call(0).buf(0));
            assertEquals("mapped", next.call(0).text());
        }

        @Test
        void specialBufsAlwaysGoAsIs() throws IOException {
            ctx.needInTemp(true).needInMemory(true);
            Buf flush = Buf.flushBuf();
            ctx.output(Chain.of(flush));
            assertSame(flush, next.call(0).buf(0));
        }

        @Test
        void aDirectioFileBufIsCopiedEvenWithSendfile() throws IOException {
            FileRef plain = file("d", "x".repeat(2000));
            FileRef direct = BufAccess.ofDirect(plain.channel(), plain.channel(), "d");
            ctx.sendfile(true).bufs(2, 1024);
            ctx.output(Chain.of(fileBuf(direct, 0, 2000)));
            assertFalse(next.calls().isEmpty());
            for (RecordingFilter.Call call : next.calls()) {
                for (Buf b : call.bufs()) {
                    assertTrue(b.inMemory());
                    assertFalse(b.inFile(), "no sendfile once direct I/O is in use");
                }
            }
            assertEquals("x".repeat(2000), next.allText());
        }
    }

    @Nested
    class BufferBounds {

        @Test
        void atMostBufsNumCopiesExistAndTheRestWaitsForThemToBeSent() throws IOException {
            ctx.needInTemp(true).bufs(2, 4);
            next.consume(false);
            Status rc = ctx.output(Chain.of(mem("0123456789abcdef")));
            assertEquals(Status.AGAIN, rc);
            assertEquals(2, ctx.allocated());
            assertEquals("01234567", next.allText());
            assertNotNull(ctx.pending(), "8 bytes still queued");
        }

        @Test
        void sentCopiesAreReusedSoAllocationStopsAtBufsNum() throws IOException {
            ctx.needInTemp(true).bufs(2, 4);
            Status rc = ctx.output(Chain.of(mem("0123456789abcdefghij")));
            assertEquals(Status.OK, rc);
            assertEquals("0123456789abcdefghij", next.allText());
            assertEquals(1, ctx.allocated(), "the writer keeps up, so one copy goes round and round");
            assertNull(ctx.pending());
        }

        @Test
        void aCopyComesFromTheFreeListBeforeANewOneIsMade() throws IOException {
            ctx.needInTemp(true).bufs(4, 4);
            ctx.output(Chain.of(mem("abcd")));
            Buf first = next.call(0).buf(0);
            ctx.output(Chain.of(mem("efgh")));
            assertSame(first, next.call(1).buf(0), "the sent copy was reused");
            assertEquals(1, ctx.allocated());
        }

        @Test
        void withCopiesBusyAndNothingFreeTheContextReportsAgainAfterFlushingDownstream() throws IOException {
            ctx.needInTemp(true).bufs(1, 4);
            next.consume(false);
            assertEquals(Status.AGAIN, ctx.output(Chain.of(mem("abcdefgh"))));
            int callsBefore = next.calls().size();
            assertEquals(Status.AGAIN, ctx.output(null));
            assertEquals(callsBefore + 1, next.calls().size(), "an empty push went downstream");
            assertTrue(next.lastCall().links().isEmpty());
        }

        @Test
        void whenTheBusyCopyIsFinallySentTheRestFollows() throws IOException {
            ctx.needInTemp(true).bufs(1, 4);
            next.consume(false);
            ctx.output(Chain.of(mem("abcdefgh")));
            Buf busy = next.call(0).buf(0);
            busy.pos(busy.last()); // the writer sent it meanwhile
            next.consume(true);
            assertEquals(Status.OK, ctx.output(null));
            assertEquals("abcdefgh", next.allText());
            assertEquals(1, ctx.allocated());
        }

        @Test
        void aCopyIsNotMadeWhileOutputIsAlreadyCollectedAndNothingIsFree() throws IOException {
            ctx.needInTemp(true).bufs(3, 4);
            next.consume(false);
            // the first copy goes out; the second waits for the next round because out is not empty
            ctx.output(Chain.of(mem("abcd"), mem("efgh")));
            assertEquals("abcd", next.call(0).text());
            assertEquals("efgh", next.call(1).text());
            assertEquals(2, ctx.allocated());
        }
    }

    @Nested
    class GetBuf {

        @Test
        void aSmallLastInChainBufGetsACopyOfItsOwnSizeThatIsNotRecycled() throws IOException {
            ctx.needInTemp(true).bufs(2, 32);
            ctx.output(Chain.of(mem("tiny").lastInChain(true)));
            Buf copy = next.call(0).buf(0);
            assertEquals(4, copy.end() - copy.start());
            assertFalse(BufAccess.recycled(copy));
            assertTrue(copy.lastInChain());
        }

        @Test
        void aSingleCopyStretchesToALastBufUnderOneAndAQuarterItsSize() throws IOException {
            ctx.needInTemp(true).bufs(1, 32);
            ctx.output(Chain.of(mem("x".repeat(39)).lastInChain(true)));
            Buf copy = next.call(0).buf(0);
            assertEquals(39, copy.end() - copy.start());
            assertFalse(BufAccess.recycled(copy));
        }

        @Test
        void aLastBufOfOneAndAQuarterOrMoreGetsFullSizedRecycledCopies() throws IOException {
            ctx.needInTemp(true).bufs(1, 32);
            ctx.output(Chain.of(mem("x".repeat(40)).lastInChain(true)));
            Buf copy = next.call(0).buf(0);
            assertEquals(32, copy.end() - copy.start());
            assertTrue(BufAccess.recycled(copy));
        }

        @Test
        void withMoreThanOneCopyTheStretchRuleDoesNotApply() throws IOException {
            ctx.needInTemp(true).bufs(2, 32);
            ctx.output(Chain.of(mem("x".repeat(39)).lastInChain(true)));
            assertEquals(32, next.call(0).buf(0).end());
        }

        @Test
        void otherBufsGetFullSizedRecycledCopies() throws IOException {
            ctx.needInTemp(true).bufs(2, 32);
            ctx.output(Chain.of(mem("tiny")));
            Buf copy = next.call(0).buf(0);
            assertEquals(32, copy.end());
            assertTrue(BufAccess.recycled(copy));
            assertTrue(copy.temporary());
        }
    }

    @Nested
    class CopyBuf {

        @Test
        void aSourceLargerThanACopyIsSplitAndOnlyTheLastPieceCarriesItsFlags() throws IOException {
            ctx.needInTemp(true).bufs(4, 4);
            next.consume(false); // every piece stays busy and gets its own copy
            Buf source = mem("abcdefghij").lastBuf(true).lastInChain(true);
            BufAccess.flush(source, true);
            ctx.output(Chain.of(source));
            List<Buf> copies = next.calls().stream().map(c -> c.buf(0)).toList();
            assertEquals(3, copies.size());
            assertEquals("abcdefghij", next.allText());
            for (int i = 0; i < 2; i++) {
                Buf b = copies.get(i);
                assertFalse(b.flush() || b.lastBuf() || b.lastInChain(), "piece " + i + " is not the end");
            }
            Buf last = copies.get(2);
            assertTrue(last.flush() && last.lastBuf() && last.lastInChain());
        }

        @Test
        void aRecycledCopyDoesNotKeepTheEndFlagsOfItsPreviousUse() throws IOException {
            ctx.needInTemp(true).bufs(1, 4);
            ctx.output(Chain.of(mem("ab").lastBuf(true)));
            Buf copy = next.call(0).buf(0);
            assertTrue(copy.lastBuf());
            next.consume(false); // the piece stays busy, so the copy is not refilled before we look
            ctx.output(Chain.of(mem("cdefgh")));
            assertSame(copy, next.call(1).buf(0));
            assertFalse(copy.lastBuf(), "the first piece of a longer source is not the last buf");
        }

        @Test
        void aMemoryCopyOfABufAlsoInAFileCarriesTheFileWindowWithSendfile() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true).needInTemp(true).bufs(2, 3);
            Buf both = inFileToo(mem("0123456"), f).fileLast(7);
            ctx.output(Chain.of(both));
            assertTrue(next.call(0).shape(0).contains("f:1") && next.call(0).shape(0).contains("\" 0-3"),
                    next.call(0).shape(0));
            assertTrue(next.call(1).shape(0).contains("\" 3-6"), next.call(1).shape(0));
            assertTrue(next.call(2).shape(0).contains("\" 6-7"), next.call(2).shape(0));
            assertEquals("0123456", next.allText());
            assertEquals(7, both.filePos(), "the source's file window advanced with its memory");
        }

        @Test
        void aMemoryCopyOfABufAlsoInAFileIsMemoryOnlyWithoutSendfile() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.needInTemp(true);
            ctx.output(Chain.of(inFileToo(mem("0123"), f).fileLast(4)));
            assertFalse(next.call(0).buf(0).inFile());
        }

        @Test
        void aFileReadIntoSeveralCopiesKeepsEveryByteInOrder() throws IOException {
            String content = "The quick brown fox jumps over the lazy dog";
            FileRef f = file("f", content);
            ctx.bufs(3, 5);
            Status rc = ctx.output(Chain.of(fileBuf(f, 0, content.length()).lastBuf(true)));
            assertEquals(Status.OK, rc);
            assertEquals(content, next.allText());
            assertTrue(next.lastCall().bufs().getLast().lastBuf());
        }

        @Test
        void aFileShorterThanItsBufClaimsIsAnErrorNamingTheFileAndTheCounts() throws IOException {
            FileRef f = file("short", "0123456789");
            ctx.bufs(1, 64);
            IOException e = assertThrows(IOException.class, () -> ctx.output(Chain.of(fileBuf(f, 4, 30))));
            assertEquals("read only 6 of 26 bytes from \"" + f.toString() + "\"", e.getMessage());
        }

        @Test
        void aFileTruncatedAfterTheBufWasMadeIsAnError() throws IOException {
            Path p = Files.writeString(dir.resolve("t"), "0123456789");
            FileRef f = FileRef.open(p);
            files.add(f);
            Buf b = fileBuf(f, 0, 10);
            try (FileChannel w = FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                w.truncate(3);
            }
            IOException e = assertThrows(IOException.class, () -> ctx.output(Chain.of(b)));
            assertTrue(e.getMessage().startsWith("read only 3 of 10 bytes"), e.getMessage());
        }
    }

    @Nested
    class BadInput {

        @Test
        void aZeroSizeBufIsSkippedAndItsLinkFreed() throws IOException {
            ctx.needInTemp(true);
            Buf empty = temp("x");
            empty.pos(empty.last());
            int idle = BufAccess.idleLinks(pool);
            ctx.output(Chain.of(empty, mem("ok")));
            assertEquals("ok", next.allText());
            for (Buf b : next.call(0).bufs()) {
                assertNotSame(empty, b);
            }
            assertTrue(BufAccess.idleLinks(pool) > idle, "the zero-size buf's link went back to the pool");
        }

        @Test
        void aNegativeSizeBufIsAnErrorNamingIt() {
            Buf bad = temp("abcdef");
            bad.pos(5).last(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.output(Chain.of(bad, temp("x"))));
            assertTrue(e.getMessage().startsWith("negative size buf in output buf t:1"), e.getMessage());
            assertTrue(e.getMessage().contains("5-2"), e.getMessage());
        }

        @Test
        void aFileBufWithoutAFileIsAMisuse() {
            Buf bad = inFileToo(new Buf(), null).fileLast(10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.output(Chain.of(bad, temp("x"))));
            assertTrue(e.getMessage().startsWith("file buf without a file"), e.getMessage());
        }

        @Test
        void aLoneFileBufWithoutAFileIsRefusedOnTheShortPathToo() {
            ctx.sendfile(true);
            Buf bad = inFileToo(new Buf(), null).fileLast(10);
            assertThrows(IllegalArgumentException.class, () -> ctx.output(Chain.of(bad)));
            assertTrue(next.calls().isEmpty());
        }

        @Test
        void configurationMisuseNamesTheValue() {
            assertEquals("bufs.num < 1: 0",
                    assertThrows(IllegalArgumentException.class, () -> ctx.bufs(0, 10)).getMessage());
            assertEquals("alignment must be a power of two: 100",
                    assertThrows(IllegalArgumentException.class, () -> ctx.alignment(100)).getMessage());
        }
    }

    @Nested
    class Results {

        @Test
        void doneFromTheNextFilterIsReturnedAtOnce() throws IOException {
            ctx.needInTemp(true).bufs(1, 2);
            next.reply(Status.DONE);
            assertEquals(Status.DONE, ctx.output(Chain.of(mem("abcdef"))));
            assertEquals(1, next.calls().size());
        }

        @Test
        void theNextFiltersLastStatusIsReturnedWhenAllInputIsPassed() throws IOException {
            ctx.needInTemp(true).bufs(2, 2);
            assertEquals(Status.OK, ctx.output(Chain.of(mem("abcdef"))));
            next.consume(false);
            assertEquals(Status.AGAIN, ctx.output(Chain.of(mem("g"))));
        }

        @Test
        void theLinksOfUsedUpSourcesGoBackToThePool() throws IOException {
            ctx.needInTemp(true).bufs(2, 64);
            for (int i = 0; i < 10; i++) {
                ctx.output(Chain.of(mem("a"), mem("b"), mem("c")));
            }
            long created = pool.linksCreated();
            for (int i = 0; i < 100; i++) {
                ctx.output(Chain.of(mem("a"), mem("b"), mem("c")));
            }
            assertEquals(created, pool.linksCreated(), "steady state: no new links");
        }
    }

    @Nested
    class Reset {

        @Test
        void aSmallLastCopyIsDroppedSoTheNextResponseCopiesThroughFullSizedBufs() throws IOException {
            ctx.needInTemp(true).bufs(2, 32);
            ctx.output(Chain.of(mem("x").lastInChain(true)));
            assertEquals(1, next.call(0).buf(0).end(), "a one-byte copy for a one-byte last buf");
            ctx.reset();
            assertEquals(0, ctx.allocated());
            assertNull(BufAccess.free(ctx.lists()));
            ctx.output(Chain.of(mem("y".repeat(64))));
            assertEquals(32, next.call(1).buf(0).end(), "full-sized again");
        }

        @Test
        void fullSizedCopiesAreKeptForTheNextResponse() throws IOException {
            ctx.needInTemp(true).bufs(2, 4);
            ctx.output(Chain.of(mem("abcdefgh")));
            Buf copy = next.call(0).buf(0);
            ctx.reset();
            ctx.output(Chain.of(mem("ijkl")));
            assertSame(copy, next.lastCall().buf(0));
            assertEquals(1, ctx.allocated());
        }

        @Test
        void abandoningAResponseMidwayGivesEveryCopyBackAndLeavesTheContextAsNew() throws IOException {
            FileRef f = file("f", "0123456789".repeat(100));
            ctx.sendfile(false).bufs(2, 64);
            next.consume(false); // the client takes nothing: copies stay busy, input stays queued
            long before = BufAccess.heldChunks(pool);
            assertEquals(Status.AGAIN, ctx.output(Chain.of(fileBuf(f, 0, 1000).lastBuf(true))));
            assertNotNull(BufAccess.busy(ctx.lists()));
            assertNotNull(ctx.pending());
            assertEquals(before + 2, BufAccess.heldChunks(pool));
            List<Buf> copies = new ArrayList<>();
            for (Chain cl = BufAccess.busy(ctx.lists()); cl != null; cl = cl.next()) {
                copies.add(cl.buf());
            }
            ctx.abandon();
            assertNull(ctx.pending());
            assertNull(BufAccess.busy(ctx.lists()));
            assertEquals(before, BufAccess.heldChunks(pool), "the copies' memory is back in the loop's allocator");
            int kept = 0;
            for (Chain cl = BufAccess.free(ctx.lists()); cl != null; cl = cl.next()) {
                assertNull(cl.buf().segment(), "a kept header has no memory");
                assertTrue(copies.contains(cl.buf()));
                kept++;
            }
            assertEquals(2, kept, "both full-sized copies keep their headers");
            assertEquals(2, ctx.allocated());
            next.consume(true);
            int calls = next.calls().size();
            assertEquals(Status.OK, ctx.output(Chain.of(fileBuf(f, 0, 100).lastBuf(true))));
            StringBuilder after = new StringBuilder();
            for (int i = calls; i < next.calls().size(); i++) {
                after.append(next.call(i).text());
            }
            assertEquals("0123456789".repeat(10), after.toString(), "the next response starts clean");
            assertTrue(copies.contains(next.lastCall().buf(0)), "and reuses a kept header with fresh memory");
        }

        @Test
        void abandoningWhileAReadIsInFlightIsRefused() {
            ctx.aio(true);
            IllegalStateException e = assertThrows(IllegalStateException.class, ctx::abandon);
            assertTrue(e.getMessage().contains("read is in flight"), e.getMessage());
        }

        @Test
        void resetWhileOutputIsInProgressIsAMisuse() throws IOException {
            ctx.needInTemp(true).bufs(1, 4);
            next.consume(false);
            ctx.output(Chain.of(mem("abcdefgh")));
            IllegalStateException e = assertThrows(IllegalStateException.class, ctx::reset);
            assertTrue(e.getMessage().startsWith("output still in progress"), e.getMessage());
        }
    }

    @Nested
    class SendfileLimit {

        @Test
        void aFileBufCrossingTheLimitIsSplitThereAndTheTailIsCopied() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true).sendfileLimit(6).bufs(1, 16);
            Buf b = fileBuf(f, 2, 10);
            ctx.output(Chain.of(b));
            Buf head = next.call(0).buf(0);
            assertTrue(head.inFile() && !head.inMemory(), "below the limit: sent as is");
            assertEquals("2345", next.call(0).text());
            assertEquals(6, head.fileLast());
            Buf tail = next.call(1).buf(0);
            assertTrue(tail.inMemory() && !tail.inFile(), "at or above the limit: copied, no sendfile");
            assertEquals("6789", next.call(1).text());
        }

        @Test
        void aMemoryBufAlsoInAFileIsSplitInBothWindows() throws IOException {
            FileRef f = file("f", "0123456789");
            ctx.sendfile(true).sendfileLimit(4).needInTemp(true).bufs(2, 16);
            Buf both = inFileToo(mem("0123456789"), f).fileLast(10);
            ctx.output(Chain.of(both));
            assertEquals("0123456789", next.allText());
            assertTrue(next.call(0).shape(0).contains("f:1") && next.call(0).shape(0).contains("\" 0-4"),
                    "the copy of the part below the limit keeps its file window: " + next.call(0).shape(0));
            assertTrue(next.call(1).shape(0).contains("f:0"), next.call(1).shape(0));
        }
    }

    @Nested
    class Directio {

        private FileRef directFile(String content) throws IOException {
            FileRef plain = file("direct", content);
            return BufAccess.ofDirect(plain.channel(), plain.channel(), "direct");
        }

        @Test
        void anUnalignedStartIsReadIntoASmallUntaggedCopyUpToTheNextSector() throws IOException {
            String content = "y".repeat(3000);
            FileRef f = directFile(content);
            ctx.alignment(512).bufs(2, 1024);
            ctx.output(Chain.of(fileBuf(f, 100, 3000)));
            Buf first = next.call(0).buf(0);
            assertEquals(412, first.end() - first.start(), "from 100 up to 512");
            assertNull(BufAccess.tag(first), "not reused through the free list");
            assertEquals(content.substring(100), next.allText());
        }

        @Test
        void anAlignedSmallRemainderGetsACopyOfItsSize() throws IOException {
            FileRef f = directFile("z".repeat(700));
            ctx.alignment(512).bufs(2, 1024);
            ctx.output(Chain.of(fileBuf(f, 512, 700)));
            Buf only = next.call(0).buf(0);
            assertEquals(188, only.end());
            assertNull(BufAccess.tag(only));
        }

        @Test
        void anAlignedLargeRemainderUsesAlignedFullSizedCopies() throws IOException {
            FileRef f = directFile("w".repeat(4096));
            ctx.alignment(512).bufs(4, 1024);
            ctx.output(Chain.of(fileBuf(f, 0, 4096)));
            Buf copy = next.call(0).buf(0);
            assertEquals(1024, copy.end());
            assertSame(ctx.tag(), BufAccess.tag(copy));
            assertEquals(0, copy.segment().address() % 512, "aligned for O_DIRECT");
            assertEquals("w".repeat(4096), next.allText());
        }

        @Test
        void anUnalignedReadGoesThroughTheFilesUnalignedChannel() throws IOException {
            FileRef plain = file("u", "0123456789".repeat(100));
            FileRef empty = file("e", "");
            // the "direct" channel is an empty file: only the unaligned channel can supply the bytes
            FileRef f = BufAccess.ofDirect(empty.channel(), plain.channel(), "u");
            ctx.alignment(512).bufs(2, 1024);
            ctx.output(Chain.of(fileBuf(f, 10, 20)));
            assertEquals("0123456789", next.allText());
        }

        @Test
        void realODirectReadsWorkWhereTheFileSystemSupportsThem() throws IOException {
            Path p = Files.write(dir.resolve("odirect"), io.sendchain.testkit.TestFiles.pattern(3 * 4096 + 100));
            FileRef f;
            try {
                f = FileRef.openDirect(p);
            } catch (IOException e) {
                org.junit.jupiter.api.Assumptions.abort("no O_DIRECT on this file system: " + e.getMessage());
                return;
            }
            files.add(f);
            ctx.alignment(4096).bufs(2, 8192);
            ctx.output(Chain.of(fileBuf(f, 100, 3 * 4096 + 100)));
            byte[] want = java.util.Arrays.copyOfRange(io.sendchain.testkit.TestFiles.pattern(3 * 4096 + 100), 100,
                    3 * 4096 + 100);
            assertEquals(new String(want, StandardCharsets.ISO_8859_1), next.allText());
        }
    }

    /** Makes {@code b} also describe its bytes as a window of {@code file} (in memory and in a file). */
    private static Buf inFileToo(Buf b, FileRef file) {
        BufAccess.inFile(b, true);
        BufAccess.file(b, file);
        return b;
    }
}
