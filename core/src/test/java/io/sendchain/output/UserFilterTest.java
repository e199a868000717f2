package io.sendchain.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.MemorySink;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's body filter between the output chain and the writer, the way a charset filter sits in nginx. */
class UserFilterTest {

    @TempDir
    Path dir;

    /** Upper-cases ASCII letters in place; legal only on bufs it may change (needInTemp). */
    private static final class UpperCaseFilter implements OutputFilter {
        private final OutputFilter next;

        UpperCaseFilter(OutputFilter next) {
            this.next = next;
        }

        @Override
        public Status filter(Chain in) throws IOException {
            for (Chain cl = in; cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (!b.temporary()) {
                    continue; // special bufs
                }
                for (long i = b.pos(); i < b.last(); i++) {
                    byte c = b.segment().get(ValueLayout.JAVA_BYTE, i);
                    if (c >= 'a' && c <= 'z') {
                        b.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (c - 32));
                    }
                }
            }
            return next.filter(in);
        }
    }

    @Test
    void aFilterThatChangesBytesGetsWritableCopiesOfMemoryAndFileDataAndTheWriterSendsThem() throws IOException {
        Path p = Files.writeString(dir.resolve("body.txt"), "from a file, in several copies; ".repeat(20));
        try (Pool pool = new Pool(); FileRef file = FileRef.open(p)) {
            MemorySink sink = new MemorySink().capacity(40);
            Connection c = new Connection("client", sink);
            ChainWriter writer = new ChainWriter(pool).connection(c);
            OutputChainContext ctx = new OutputChainContext(pool, new UpperCaseFilter(writer))
                    .sendfile(true).needInTemp(true).needInMemory(true).bufs(2, 64);
            Buf original = Buf.copyOf(pool, "read-only header; ".getBytes(StandardCharsets.ISO_8859_1));

            DriverEvents.ready(c.write(), true);
            Status rc = ctx.output(Chain.of(original, Buf.ofFile(file, 0, file.size()).lastBuf(true)));
            while (rc == Status.AGAIN) {
                DriverEvents.ready(c.write(), true); // the socket drained
                rc = ctx.output(null);
            }

            String want = ("read-only header; " + "from a file, in several copies; ".repeat(20)).toUpperCase();
            assertEquals(want, sink.receivedText());
            original.pos(0);
            assertEquals("read-only header; ", io.sendchain.testkit.RecordingFilter.text(original),
                    "the read-only original was copied, never changed");
            assertEquals(2, ctx.allocated(), "a slow socket keeps copies busy: exactly bufs.num are made, no more");
        }
    }
}
