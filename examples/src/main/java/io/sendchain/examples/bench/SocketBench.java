package io.sendchain.examples.bench;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.NetSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Scripted socket benchmarks on a platform chosen by name through the SPI (see {@code examples/bin/bench-send}).
 *
 * <pre>
 *   bigfile PLATFORM SIZE_MIB       one connection, one file of SIZE_MIB sent whole; a reader thread discards
 *   cork PLATFORM on|off COUNT      COUNT request/response rounds: 1-byte request, then a 200-byte header,
 *                                   a 4 KiB file and a 5-byte trailer; TCP_NODELAY on, TCP_CORK on or off
 * </pre>
 * Prints one line of {@code key=value} results.
 */
public final class SocketBench {

    private SocketBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SocketBench bigfile PLATFORM SIZE_MIB | cork PLATFORM on|off COUNT");
            System.exit(2);
        }
        switch (args[0]) {
            case "bigfile" -> bigFile(args[1], Integer.parseInt(args[2]));
            case "cork" -> cork(args[1], args[2].equals("on"), Integer.parseInt(args[3]));
            default -> {
                System.err.println("unknown benchmark " + args[0]);
                System.exit(2);
            }
        }
    }

    /** The platform's socket and a plain blocking peer socket on the other end of a loopback connection. */
    private record Pair(Platform platform, IoDriver driver, Connection conn, Socket peer) {
    }

    private static Pair pair(String platformName) throws IOException {
        Platform platform = PlatformRegistry.load().open(PlatformConfig.defaults().withPlatform(platformName));
        IoDriver driver = platform.newDriver();
        ListenSocket ls = platform.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        Connection lc = new Connection("listener", ls);
        Socket peer = new Socket(ls.localAddress().getAddress(), ls.localAddress().getPort());
        driver.register(lc);
        StreamSocket s;
        while ((s = ls.accept(lc)) == null) {
            driver.poll(1000, ev -> { });
        }
        driver.deregister(lc);
        lc.close();
        Connection c = new Connection("bench", s);
        driver.register(c);
        return new Pair(platform, driver, c, peer);
    }

    /** Sends {@code chain} completely, waiting on the driver whenever the socket is full. */
    private static void sendAll(Pair p, Chain chain) throws IOException {
        while (chain != null) {
            chain = p.conn().sendChain(chain, 0);
            if (chain != null && !p.conn().write().ready()) {
                p.driver().poll(-1, ev -> { });
            }
        }
    }

    private static void bigFile(String platformName, int mib) throws Exception {
        long size = (long) mib << 20;
        Path path = Files.createTempFile("sendchain-bigfile", ".bin");
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) (i * 31);
            }
            for (int i = 0; i < mib; i++) {
                raf.write(block);
            }
        }
        Pair p = pair(platformName);
        long[] received = new long[1];
        Thread reader = new Thread(() -> {
            byte[] sink = new byte[256 * 1024];
            try (InputStream in = p.peer().getInputStream()) {
                int n;
                while ((n = in.read(sink)) > 0) {
                    received[0] += n;
                }
            } catch (IOException e) {
                // end of the run
            }
        }, "bigfile-reader");
        reader.start();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (FileRef f = p.platform().openFile(path)) {
            // one warm-up pass so the file is in the page cache and the code is compiled
            sendAll(p, Chain.of(Buf.ofFile(f, 0, Math.min(size, 64L << 20))));
            long cpu0 = threads.getCurrentThreadCpuTime();
            long proc0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            sendAll(p, Chain.of(Buf.ofFile(f, 0, size)));
            long t1 = System.nanoTime();
            long cpu1 = threads.getCurrentThreadCpuTime();
            long proc1 = os.getProcessCpuTime();
            p.conn().stream().shutdownOutput();
            reader.join();
            double secs = (t1 - t0) / 1e9;
            double gib = size / (double) (1L << 30);
            System.out.printf(Locale.ROOT,
                    "bench=bigfile platform=%s size_mib=%d seconds=%.3f mb_per_s=%.1f sender_cpu_s_per_gib=%.3f "
                            + "process_cpu_s_per_gib=%.3f received=%d%n",
                    platformName, mib, secs, size / 1e6 / secs, (cpu1 - cpu0) / 1e9 / gib,
                    (proc1 - proc0) / 1e9 / gib, received[0]);
        } finally {
            p.conn().close();
            p.driver().close();
            p.peer().close();
            p.platform().close();
            Files.deleteIfExists(path);
        }
    }

    private static long outSegments() throws IOException {
        // /proc/net/snmp: a "Tcp:" header line, then a "Tcp:" value line; OutSegs counts segments sent
        var lines = Files.readAllLines(Path.of("/proc/net/snmp"));
        String[] names = null;
        for (String line : lines) {
            if (!line.startsWith("Tcp:")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (names == null) {
                names = parts;
            } else {
                for (int i = 0; i < names.length; i++) {
                    if (names[i].equals("OutSegs")) {
                        return Long.parseLong(parts[i]);
                    }
                }
            }
        }
        return -1;
    }

    private static void cork(String platformName, boolean corkOn, int count) throws Exception {
        Path path = Files.createTempFile("sendchain-4k", ".bin");
        Files.write(path, new byte[4096]);
        Pair p = pair(platformName);
        Connection c = p.conn();
        c.stream().setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (!corkOn) {
            c.nopush(false); // nginx's "tcp_nopush off"
        }
        p.peer().setTcpNoDelay(true);
        int responseSize = 200 + 4096 + 5;
        try (Pool pool = new Pool(); FileRef f = p.platform().openFile(path)) {
            Buf header = pool.createTempBuf(200).last(200);
            Buf trailer = pool.createTempBuf(5).last(5);
            Buf request = pool.createTempBuf(16);
            Buf body = Buf.ofFile(f, 0, 4096);
            Buf last = Buf.lastBufMarker();
            Chain l1 = new Chain();
            Chain l2 = new Chain();
            Chain l3 = new Chain();
            Chain l4 = new Chain();
            InputStream in = p.peer().getInputStream();
            OutputStream out = p.peer().getOutputStream();
            byte[] resp = new byte[responseSize];
            long seg0 = 0;
            long t0 = 0;
            int warm = Math.min(1000, count / 10);
            for (int i = 0; i < warm + count; i++) {
                if (i == warm) {
                    seg0 = outSegments();
                    t0 = System.nanoTime();
                }
                out.write('r');
                request.pos(0).last(0);
                while (c.recv(request) == Connection.AGAIN) {
                    p.driver().poll(-1, ev -> { });
                }
                header.pos(0);
                trailer.pos(0);
                body.filePos(0);
                l1.buf(header).next(l2);
                l2.buf(body).next(l3);
                l3.buf(trailer).next(l4);
                l4.buf(last).next(null);
                sendAll(p, l1);
                int got = 0;
                while (got < responseSize) {
                    got += in.read(resp, got, responseSize - got);
                }
            }
            long t1 = System.nanoTime();
            long segs = outSegments() - seg0;
            System.out.printf(Locale.ROOT,
                    "bench=cork platform=%s cork=%s responses=%d responses_per_s=%.0f segments_per_response=%.2f%n",
                    platformName, corkOn ? "on" : "off", count, count / ((t1 - t0) / 1e9), segs / (double) count);
        } finally {
            c.close();
            p.driver().close();
            p.peer().close();
            p.platform().close();
            Files.deleteIfExists(path);
        }
    }
}
