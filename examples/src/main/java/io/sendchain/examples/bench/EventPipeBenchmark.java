package io.sendchain.examples.bench;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.ChainWriter;
import io.sendchain.pipe.EventPipe;
import io.sendchain.pipe.InputFilter;
import io.sendchain.pipe.PipeSettings;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.IoDriver;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The event pipe without a kernel: one op streams one 64 KiB response from an in-memory upstream through a pipe
 * of 8 x 4 KiB buffers (taken from and given back to a recycling supply, as the proxy does) into a chain writer
 * whose send chain copies into a native ring. {@code length}: a Content-Length body (copy input filter);
 * {@code chunked}: the same bytes in 1000-byte chunks (chunked input filter, shadows over each chunk's data).
 * The pipe is reset between responses, as the proxy reuses one per client connection. Run with
 * {@code -prof gc}: the goal is 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class EventPipeBenchmark {

    private static final int BODY = 64 * 1024;

    @Param({"length", "chunked"})
    public String framing;

    private Arena arena;
    private Pool pool;
    private MemoryUpstream source;
    private Connection upstream;
    private Connection downstream;
    private ChainWriter writer;
    private final InputFilter chunked = InputFilter.chunked();
    private final ArrayDeque<Buf> idle = new ArrayDeque<>();
    private EventPipe.BufSupply supply;
    /** One pipe, reset per response, as the proxy keeps one per client connection. */
    private EventPipe pipe;
    /** Only the timers of this loop are used; it never runs. */
    private final EventLoop timers = new EventLoop("bench-timers", new NoDriver());

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = new Pool();
        byte[] body = new byte[BODY];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        byte[] wire = body;
        if (framing.equals("chunked")) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < BODY; i += 1000) {
                int n = Math.min(1000, BODY - i);
                sb.append(Integer.toHexString(n)).append("\r\n").append(new String(body, i, n, StandardCharsets.ISO_8859_1))
                        .append("\r\n");
            }
            wire = sb.append("0\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
        MemorySegment w = arena.allocate(wire.length);
        MemorySegment.copy(wire, 0, w, ValueLayout.JAVA_BYTE, 0, wire.length);
        source = new MemoryUpstream(w);
        upstream = new Connection("upstream", source);
        downstream = new Connection("client", new OutputChainBenchmark.SegmentSink(arena, 1 << 20));
        writer = new ChainWriter(pool).connection(downstream);
        supply = new EventPipe.BufSupply() {
            @Override
            public Buf take(long size) {
                Buf b = idle.poll();
                return b != null ? b : pool.createTempBuf(size);
            }

            @Override
            public void give(Buf b) {
                idle.push(b);
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long response() throws IOException {
        source.rewind();
        EventPipe p = pipe == null ? pipe = new EventPipe(pool, upstream, downstream, timers, writer,
                PipeSettings.builder().bufs(8, 4096).build()).bufSupply(supply) : pipe.reset(upstream, downstream);
        if (framing.equals("chunked")) {
            p.input(chunked, 3);
        } else {
            p.input(InputFilter.copy(), BODY);
        }
        for (int i = 0; !p.downstreamDone(); i++) {
            if (i > 10_000) {
                throw new IllegalStateException("the pipe stalled");
            }
            DriverEvents.ready(upstream.read(), true);
            DriverEvents.ready(downstream.write(), true);
            p.run(true);
        }
        long n = p.readLength();
        p.close();
        return n;
    }

    /**
     * A readiness driver that reports nothing: the benchmark's loop is never run, only its timers are used (no timer
     * fires here: no rate limit, both sides always ready), so the pipe arms and disarms them as on a loop.
     */
    static final class NoDriver implements IoDriver {
        @Override
        public void register(Connection c) {
        }

        @Override
        public void deregister(Connection c) {
        }

        @Override
        public void poll(long timeoutMillis, Consumer<Event> sink) {
        }

        @Override
        public void wakeup() {
        }

        @Override
        public void close() {
        }
    }

    /** An upstream that "receives" from a native segment, as fast as memory copies go, then reports the end. */
    static final class MemoryUpstream implements StreamSocket {
        private final MemorySegment data;
        private long at;

        MemoryUpstream(MemorySegment data) {
            this.data = data;
        }

        void rewind() {
            at = 0;
        }

        @Override
        public long recvChain(Connection c, Chain in, long limit) {
            long left = data.byteSize() - at;
            if (left == 0) {
                DriverEvents.eof(c.read(), true);
                DriverEvents.ready(c.read(), false);
                return 0;
            }
            long total = 0;
            for (Chain cl = in; cl != null && left > 0 && (limit <= 0 || total < limit); cl = cl.next()) {
                Buf b = cl.buf();
                long n = Math.min(b.end() - b.last(), left);
                if (limit > 0) {
                    n = Math.min(n, limit - total);
                }
                MemorySegment.copy(data, at, b.segment(), b.last(), n);
                b.last(b.last() + n);
                at += n;
                left -= n;
                total += n;
            }
            return total;
        }

        @Override
        public long recv(Connection c, Buf b) {
            throw new UnsupportedOperationException("the pipe reads with recvChain");
        }

        @Override
        public long send(Connection c, Buf b) {
            throw new UnsupportedOperationException("nothing is sent upstream here");
        }

        @Override
        public Chain send(Connection c, Chain in, long limit) {
            throw new UnsupportedOperationException("nothing is sent upstream here");
        }

        @Override
        public boolean finishConnect(Connection c) {
            return true;
        }

        @Override
        public boolean connectPending() {
            return false;
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return null;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) {
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
