package io.sendchain.examples.bench;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Pool;
import io.sendchain.buf.SlabAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The loop allocator in the shapes a server uses it, in steady state. Run with {@code -prof gc}: 0 B/op.
 *
 * <ul>
 *   <li>{@code headerBuffer}: a kept buf header gets a 1 KiB chunk and gives it back ({@code tempBuf} +
 *       {@code free}): the header buffer of a request on a kept-alive connection.</li>
 *   <li>{@code response}: a request's worth of memory (1 KiB header buffer, 2 KiB response head, two 32 KiB
 *       output buffers) taken and all released at once ({@code release}): a response ending, the connection
 *       going idle.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class PoolBenchmark {

    private SlabAllocator memory;
    private Pool pool;
    private final Buf in = new Buf();
    private final Buf head = new Buf();
    private final Buf copy1 = new Buf();
    private final Buf copy2 = new Buf();

    @Setup
    public void setUp() {
        memory = SlabAllocator.forLoop(0);
        pool = new Pool(memory);
    }

    @TearDown
    public void tearDown() {
        pool.close();
        memory.close();
    }

    @Benchmark
    public long headerBuffer() {
        pool.tempBuf(in, 1024);
        long at = in.segment().address();
        pool.free(in);
        return at;
    }

    @Benchmark
    public long response() {
        pool.tempBuf(in, 1024);
        pool.tempBuf(head, 2048);
        pool.tempBuf(copy1, 32 * 1024);
        pool.tempBuf(copy2, 32 * 1024);
        long at = copy2.segment().address();
        pool.release();
        return at;
    }
}
