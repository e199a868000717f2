package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sendchain.spi.PlatformRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The static server out of descriptors, as a user met it: {@code sendchain static} runs in a child JVM whose
 * descriptor limit is then lowered to what it uses plus {@value #FREE}; more clients than that connect (the rest
 * wait in the backlog, more of them than there are descriptors), the server hits EMFILE and logs it, every client
 * leaves, and then every new request, one after another and several at once, is answered.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DescriptorExhaustionTest {

    /** Descriptors left free for connections once the server is up. */
    private static final int FREE = 100;
    /**
     * Clients in the flood: FREE are accepted, the rest wait in the backlog (511). More wait than FREE, so that
     * when everyone has left the server cannot take every dead connection in one go: it meets EMFILE again
     * while the new requests queue behind them.
     */
    private static final int FLOOD = 3 * FREE + 50;
    private static final Pattern SERVING = Pattern.compile("serving .* on http://([^/]+):(\\d+)/");

    /** The child JVM and everything it printed (stdout and the log on stderr). */
    private static final class Child implements AutoCloseable {
        final Process process;
        private final List<String> lines = new ArrayList<>();

        Child(Process process) {
            this.process = process;
            Thread reader = new Thread(this::drain, "child-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void drain() {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    synchronized (lines) {
                        lines.add(l);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }

        /** The first line that matches {@code p}, waiting up to {@code seconds} for it. */
        Matcher await(Pattern p, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            synchronized (lines) {
                for (int seen = 0;;) {
                    for (; seen < lines.size(); seen++) {
                        Matcher m = p.matcher(lines.get(seen));
                        if (m.find()) {
                            return m;
                        }
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    assertTrue(left > 0 && process.isAlive(), "no line matching \"" + p + "\" in:\n" + output());
                    lines.wait(Math.min(left, 100));
                }
            }
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        long openDescriptors() throws IOException {
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
                return fds.count();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Child startServer(String platform) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "static", "--listen", "127.0.0.1:0", "--workers", "1", "--platform", platform);
        pb.redirectErrorStream(true);
        return new Child(pb.start());
    }

    /** One request on a new connection; the status, or an exception if no answer came within 10 s. */
    private static int get(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /hello.txt HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 "), "a response: \"" + response + "\"");
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux", "generic"})
    void afterRunningOutOfDescriptorsTheServerAnswersEveryNewRequest(String platform) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")) || Files.isExecutable(Path.of("/bin/prlimit")),
                "needs prlimit");
        assumeTrue(PlatformRegistry.load().candidates().stream()
                .anyMatch(c -> c.name().equals(platform) && c.available()), platform + " is not available here");
        List<Socket> flood = new ArrayList<>();
        try (Child child = startServer(platform)) {
            Matcher m = child.await(SERVING, 60);
            InetSocketAddress address = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
            // served while descriptors are plenty: what serving needs is loaded and open
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(address));
            }
            long limit = child.openDescriptors() + FREE;
            Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(child.process.pid()),
                    "--nofile=" + limit + ":" + limit).inheritIO().start();
            assertTrue(prlimit.waitFor(10, TimeUnit.SECONDS) && prlimit.exitValue() == 0, "prlimit lowered the limit");

            for (int i = 0; i < FLOOD; i++) {
                Socket s = new Socket();
                flood.add(s);
                s.connect(address, 10_000);
            }
            child.await(Pattern.compile("accept4?\\(\\) failed: Too many open files"), 30);
            for (Socket s : flood) {
                s.close();
            }

            for (int i = 0; i < 5; i++) {
                assertEquals(200, get(address), "request " + (i + 1) + " after the flood");
            }
            ExecutorService clients = Executors.newFixedThreadPool(10);
            try {
                List<Future<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    answers.add(clients.submit(() -> get(address)));
                }
                for (Future<Integer> a : answers) {
                    assertEquals(200, a.get(30, TimeUnit.SECONDS));
                }
            } finally {
                clients.shutdownNow();
            }
            assertTrue(child.process.isAlive(), child.output());
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }
}
