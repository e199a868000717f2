package io.sendchain.testkit;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.output.OutputFilter;
import io.sendchain.output.Status;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A next filter for tests: records each call's links and bufs (and their bytes at call time) and then
 * either consumes everything it was given ({@link #consume}) or keeps it busy and reports AGAIN.
 */
public final class RecordingFilter implements OutputFilter {

    /**
     * One call: the links and bufs passed, each buf's bytes as they were, and each buf's shape
     * ({@link Buf#toString()}: flags and windows) as it was. Bufs are reused, so later calls may change them;
     * {@code data} and {@code shapes} do not change.
     */
    public record Call(List<Chain> links, List<Buf> bufs, List<String> data, List<String> shapes) {
        public Buf buf(int i) {
            return bufs.get(i);
        }

        public String shape(int i) {
            return shapes.get(i);
        }

        public String text() {
            return String.join("", data);
        }
    }

    private final List<Call> calls = new ArrayList<>();
    private boolean consume = true;
    private Status reply;

    /** Consume what is passed and report OK (the default), or keep it and report AGAIN. */
    public RecordingFilter consume(boolean on) {
        this.consume = on;
        return this;
    }

    /** Report {@code status} regardless of what happened (null: the default rule). */
    public RecordingFilter reply(Status status) {
        this.reply = status;
        return this;
    }

    public List<Call> calls() {
        return calls;
    }

    public Call call(int i) {
        return calls.get(i);
    }

    public Call lastCall() {
        return calls.getLast();
    }

    /** Everything passed so far, in order. */
    public String allText() {
        StringBuilder sb = new StringBuilder();
        for (Call c : calls) {
            sb.append(c.text());
        }
        return sb.toString();
    }

    @Override
    public Status filter(Chain in) throws IOException {
        List<Chain> links = new ArrayList<>();
        List<Buf> bufs = new ArrayList<>();
        List<String> data = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (Chain cl = in; cl != null; cl = cl.next()) {
            links.add(cl);
            bufs.add(cl.buf());
            data.add(text(cl.buf()));
            shapes.add(cl.buf().toString());
        }
        calls.add(new Call(links, bufs, data, shapes));
        if (consume) {
            for (Buf b : bufs) {
                if (b.inMemory()) {
                    b.pos(b.last());
                }
                if (b.inFile()) {
                    b.filePos(b.fileLast());
                }
            }
        }
        if (reply != null) {
            return reply;
        }
        return consume ? Status.OK : Status.AGAIN;
    }

    /** The bytes a buf holds now, as ISO-8859-1 text; a special buf is "". */
    public static String text(Buf b) throws IOException {
        if (b.special() || b.size() <= 0) {
            return "";
        }
        if (b.inMemory()) {
            return new String(b.segment().asSlice(b.pos(), b.size()).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.ISO_8859_1);
        }
        ByteBuffer bb = ByteBuffer.allocate((int) b.size());
        while (bb.hasRemaining()) {
            if (b.file().channel().read(bb, b.filePos() + bb.position()) < 0) {
                break;
            }
        }
        return new String(bb.array(), 0, bb.position(), StandardCharsets.ISO_8859_1);
    }
}
