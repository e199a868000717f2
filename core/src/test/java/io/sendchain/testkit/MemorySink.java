package io.sendchain.testkit;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.spi.Chains;
import io.sendchain.event.Connection;
import io.sendchain.event.SendChain;
import io.sendchain.spi.DriverEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * A {@link SendChain} that "sends" into memory, for tests of what sits above a send chain. It honours the
 * write event's {@code ready} flag and the limit, takes at most {@link #capacity(long)} bytes per call (the
 * rest is an EAGAIN: {@code ready} is cleared), reads file bufs through their channels, and records every
 * byte in order.
 */
public final class MemorySink implements SendChain {

    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private long capacity = Long.MAX_VALUE;
    private int calls;
    private int pushes;
    private long largestCall;

    /** Bytes accepted per call from now on; when a call has more, the socket "would block". */
    public MemorySink capacity(long bytes) {
        this.capacity = bytes;
        return this;
    }

    public byte[] received() {
        return received.toByteArray();
    }

    public String receivedText() {
        return received.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public int calls() {
        return calls;
    }

    /** How many times the write filter pushed ({@link SendChain#push}). */
    public int pushes() {
        return pushes;
    }

    @Override
    public void push(Connection c) {
        pushes++;
    }

    /** Most bytes taken by a single call. */
    public long largestCall() {
        return largestCall;
    }

    @Override
    public Chain send(Connection c, Chain in, long limit) throws IOException {
        if (!c.write().ready()) {
            return in;
        }
        calls++;
        long budget = limit == 0 ? Long.MAX_VALUE : limit;
        long room = Math.min(budget, capacity);
        long taken = 0;
        for (Chain cl = in; cl != null && taken < room; cl = cl.next()) {
            Buf b = cl.buf();
            if (b.special()) {
                continue;
            }
            long n = Math.min(b.size(), room - taken);
            if (b.inMemory()) {
                MemorySegment seg = b.segment().asSlice(b.pos(), n);
                received.writeBytes(seg.toArray(ValueLayout.JAVA_BYTE));
            } else if (b.inFile()) {
                ByteBuffer dst = ByteBuffer.allocate((int) n);
                long at = b.filePos();
                while (dst.hasRemaining()) {
                    int r = b.file().channel().read(dst, at + dst.position());
                    if (r < 0) {
                        throw new IOException("sendfile() reported that \"" + b.file()
                                + "\" was truncated at " + (at + dst.position()));
                    }
                }
                received.writeBytes(dst.array());
            } else {
                throw new IOException("bad buf in output chain " + b);
            }
            taken += n;
        }
        largestCall = Math.max(largestCall, taken);
        DriverEvents.addSent(c, taken);
        Chain rest = Chains.updateSent(in, taken);
        boolean wantedMore = taken < budget && rest != null && bytes(rest) > 0;
        if (wantedMore && taken == room) {
            DriverEvents.ready(c.write(), false);
        }
        return rest;
    }

    /** Bytes left in the chain from {@code cl} on. */
    static long bytes(Chain cl) {
        long size = 0;
        for (; cl != null; cl = cl.next()) {
            size += cl.buf().size();
        }
        return size;
    }
}
