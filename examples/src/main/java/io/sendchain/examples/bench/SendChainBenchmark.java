package io.sendchain.examples.bench;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A platform's send chain over loopback, with a reader thread draining the other end. One op sends one chain
 * completely, waiting on the platform's driver whenever the socket is full.
 *
 * <ul>
 *   <li>{@code mem64}: 64 memory bufs of 256 bytes (16 KiB), in separate segments: one gathering write.</li>
 *   <li>{@code file1m}: a 200-byte header, a 1 MiB file and a 5-byte trailer (a chunked response's shape); the
 *       file is opened with {@code Platform.openFile}, as a server opens it, so linux sends it with sendfile.</li>
 * </ul>
 * The platform is chosen by name through the SPI. Run with {@code -prof gc} for allocation per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class SendChainBenchmark {

    @Param({"generic", "linux"})
    public String platform;

    @Param({"mem64", "file1m"})
    public String shape;

    private Platform plat;
    private IoDriver driver;
    private Connection conn;
    private Socket peer;
    private Thread reader;
    private Path tmp;
    private FileRef file;
    private Buf[] bufs;
    private Chain[] links;
    private long bytesPerOp;
    private final Consumer<io.sendchain.event.Event> ignore = ev -> { };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        plat = PlatformRegistry.load().open(PlatformConfig.defaults().withPlatform(platform));
        driver = plat.newDriver();
        ListenSocket ls = plat.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Connection lc = new Connection("listener", ls);
        peer = new Socket(ls.localAddress().getAddress(), ls.localAddress().getPort());
        driver.register(lc);
        StreamSocket s;
        while ((s = ls.accept(lc)) == null) {
            driver.poll(1000, ignore);
        }
        driver.deregister(lc);
        lc.close();
        conn = new Connection("bench", s);
        driver.register(conn);
        InputStream in = peer.getInputStream();
        reader = new Thread(() -> {
            byte[] sink = new byte[256 * 1024];
            try {
                while (in.read(sink) >= 0) {
                    // discard
                }
            } catch (IOException e) {
                // closed at tear-down
            }
        }, "bench-reader");
        reader.setDaemon(true);
        reader.start();

        Pool pool = new Pool();
        if (shape.equals("mem64")) {
            bufs = new Buf[64];
            for (int i = 0; i < 64; i++) {
                bufs[i] = filled(pool, 256);
            }
        } else {
            tmp = Files.createTempFile("sendchain-bench", ".bin");
            Files.write(tmp, new byte[1 << 20]);
            file = plat.openFile(tmp); // linux: a descriptor for sendfile; FileRef.open would be copied
            bufs = new Buf[] {filled(pool, 200), Buf.ofFile(file, 0, 1 << 20),
                filled(pool, 5).lastBuf(true)};
        }
        links = new Chain[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            links[i] = new Chain();
            bytesPerOp += bufs[i].size();
        }
    }

    private static Buf filled(Pool pool, int size) {
        Buf b = pool.createTempBuf(size);
        return b.last(size);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        driver.deregister(conn);
        conn.close();
        peer.close();
        driver.close();
        plat.close();
        if (file != null) {
            file.close();
            Files.deleteIfExists(tmp);
        }
    }

    @Benchmark
    public long send() throws IOException {
        for (int i = 0; i < bufs.length; i++) {
            Buf b = bufs[i];
            if (b.inMemory()) {
                b.pos(0);
            } else {
                b.filePos(0);
            }
            links[i].buf(b).next(i + 1 < links.length ? links[i + 1] : null);
        }
        Chain chain = links[0];
        while (chain != null) {
            chain = conn.sendChain(chain, 0);
            if (chain != null && !conn.write().ready()) {
                driver.poll(-1, ignore);
            }
        }
        return bytesPerOp;
    }
}
