package io.sendchain.examples.bench;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.output.ChainWriter;
import io.sendchain.output.OutputChainContext;
import io.sendchain.output.Status;
import io.sendchain.spi.DriverEvents;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * Output chain + chain writer into an in-memory sink, in steady state: one op is one response (a header buf
 * and a body) pushed through {@link OutputChainContext#output} to a {@link ChainWriter} whose send chain copies
 * the bytes into a native sink. Run with {@code -prof gc}: the goal is 0 B/op once the pools are warm.
 *
 * <ul>
 *   <li>{@code asis}: memory header + 16 KiB memory body, nothing copied (the sendfile-on path for memory).</li>
 *   <li>{@code copy}: same bufs with {@code needInTemp}: the body is copied through 2 x 32 KiB output buffers.</li>
 *   <li>{@code file}: memory header + 64 KiB file body with sendfile off: positional reads into 2 x 32 KiB.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class OutputChainBenchmark {

    @Param({"asis", "copy", "file"})
    public String path;

    private Arena arena;
    private Pool pool;
    private OutputChainContext ctx;
    private Buf header;
    private Buf body;
    private Chain headerLink;
    private Chain bodyLink;
    private Path tmp;
    private FileRef file;
    private long headerLen;
    private long bodyLen;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofShared();
        pool = new Pool();
        Connection c = new Connection("sink", new SegmentSink(arena, 1 << 20));
        DriverEvents.ready(c.write(), true);
        ChainWriter writer = new ChainWriter(pool).connection(c);
        ctx = new OutputChainContext(pool, writer).bufs(2, 32 * 1024);

        byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 65536\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        header = Buf.copyOf(pool, head);
        headerLen = head.length;
        switch (path) {
            case "asis" -> {
                body = pool.createTempBuf(16 * 1024).last(16 * 1024);
                bodyLen = 16 * 1024;
            }
            case "copy" -> {
                body = Buf.copyOf(pool, new byte[16 * 1024]);
                bodyLen = 16 * 1024;
                ctx.needInTemp(true);
            }
            case "file" -> {
                tmp = Files.createTempFile("sendchain-bench", ".bin");
                Files.write(tmp, new byte[64 * 1024]);
                file = FileRef.open(tmp);
                body = Buf.ofFile(file, 0, 64 * 1024);
                bodyLen = 64 * 1024;
            }
            default -> throw new IllegalArgumentException("unknown path: " + path);
        }
        body.lastBuf(true).lastInChain(true);
        headerLink = new Chain();
        bodyLink = new Chain();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (file != null) {
            file.close();
            Files.deleteIfExists(tmp);
        }
        arena.close();
    }

    @Benchmark
    public Status response() throws IOException {
        header.pos(0);
        if (body.inMemory()) {
            body.pos(0);
        } else {
            body.filePos(0);
        }
        headerLink.buf(header).next(bodyLink);
        bodyLink.buf(body).next(null);
        Status rc = ctx.output(headerLink);
        if (rc != Status.OK) {
            throw new IllegalStateException("sink must take everything: " + rc);
        }
        return rc;
    }

    /** A send chain that copies everything into a native ring, the cost of a write without a kernel. */
    static final class SegmentSink implements io.sendchain.event.SendChain {
        private final MemorySegment ring;
        private final Buf ringBuf;
        private long at;

        SegmentSink(Arena arena, long size) {
            ring = arena.allocate(size, 64);
            ringBuf = Buf.temp(ring);
        }

        @Override
        public Chain send(Connection c, Chain in, long limit) throws IOException {
            long total = 0;
            for (Chain cl = in; cl != null; cl = cl.next()) {
                Buf b = cl.buf();
                if (b.special()) {
                    continue;
                }
                long n = b.size();
                if (at + n > ring.byteSize()) {
                    at = 0;
                }
                if (b.inMemory()) {
                    MemorySegment.copy(b.segment(), b.pos(), ring, at, n);
                    b.pos(b.last());
                    if (b.inFile()) {
                        b.filePos(b.fileLast());
                    }
                } else {
                    java.nio.ByteBuffer view = ringBuf.nioView();
                    view.limit((int) (at + n)).position((int) at);
                    while (view.hasRemaining()) {
                        if (b.file().channel().read(view, b.filePos() + (view.position() - at)) < 0) {
                            throw new IOException("truncated " + b.file());
                        }
                    }
                    b.filePos(b.fileLast());
                }
                at += n;
                total += n;
            }
            DriverEvents.addSent(c, total);
            return null;
        }
    }
}
