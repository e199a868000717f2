package io.sendchain.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM stops a server gracefully: run as its own process ({@code java -cp} the test's class path), it closes its
 * listener and idle keep-alive connections at once, lets a download under way finish intact, and exits with 0.
 */
@Timeout(120)
class GracefulStopTest {

    private static final Pattern SERVING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/|http://127\\.0\\.0\\.1:(\\d+)/ ->");
    private static final int BIG = 24 << 20;

    private final List<String> output = new ArrayList<>();
    private Process process;
    private BufferedReader reader;

    @AfterEach
    void killTheServerIfStillRunning() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code sendchain args...} and returns the port it listens on (from its first lines). */
    private int start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sendchain.examples.Main"));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            output(line);
            Matcher m = SERVING.matcher(line);
            if (m.find()) {
                // the rest (a few lines) waits in the pipe until the process ended: read then, with no thread
                // blocked on the pipe when the process exits (such a read fails with "Stream closed")
                reader = r;
                return Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
            }
        }
        throw new IOException("the server ended before it listened: " + output());
    }

    private void output(String line) {
        synchronized (output) {
            output.add(line);
        }
    }

    /** The whole output of the process that ended. */
    private String outputAfterExit() throws IOException {
        for (String l; (l = reader.readLine()) != null; ) {
            output(l);
        }
        return output();
    }

    private String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private static Socket connect(int port, int rcvbuf) throws IOException {
        Socket s = new Socket();
        if (rcvbuf > 0) {
            s.setReceiveBufferSize(rcvbuf);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static void get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads a response head; returns its Content-Length. */
    private static long head(InputStream in) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed within a head: " + h);
            }
            h.write(b);
        }
        String text = h.toString(StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("HTTP/1.1 200 "), text);
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
        assertTrue(m.find(), text);
        return Long.parseLong(m.group(1));
    }

    private static byte[] body(InputStream in, long n) throws IOException {
        return in.readNBytes((int) n);
    }

    private static byte[] file(Path dir, String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Files.write(dir.resolve(name), data);
        return data;
    }

    @Test
    void sigtermLetsTheDownloadUnderWayFinishClosesIdleConnectionsAndExitsZero(@TempDir Path dir) throws Exception {
        long seed = Seeds.seed("GracefulStopTest.sigterm");
        byte[] big = file(dir, "big.bin", BIG, seed);
        byte[] small = file(dir, "small.txt", 100, seed + 1);
        int port = start("static", "--root", dir.toString(), "--listen", "127.0.0.1:0", "--workers", "1",
                "--shutdown-timeout", "60s");
        try (Socket idle = connect(port, 0); Socket slow = connect(port, 16 << 10)) {
            get(idle, "/small.txt");
            assertArrayEquals(small, body(idle.getInputStream(), head(idle.getInputStream()))); // now kept alive
            get(slow, "/big.bin");
            InputStream in = slow.getInputStream();
            assertEquals(BIG, head(in));
            byte[] first = in.readNBytes(1); // the body is under way; the rest waits in the server, unread

            process.toHandle().destroy(); // SIGTERM (Process.destroy would close our end of its output too)

            assertEquals(-1, idle.getInputStream().read(), "the idle connection is closed at once");
            assertThrows(ConnectException.class, () -> connect(port, 0).close(), "the listener is closed");
            ByteArrayOutputStream got = new ByteArrayOutputStream(BIG);
            got.write(first);
            got.write(body(in, BIG - 1));
            assertEquals(-1, in.read(), "closed after its response");
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(big),
                    MessageDigest.getInstance("SHA-256").digest(got.toByteArray()), "the download is intact");
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), output());
        assertEquals(0, process.exitValue(), output());
        String out = outputAfterExit();
        assertTrue(out.contains("sendchain static: SIGTERM: stopping") && out.contains("sendchain static: stopped"),
                out);
    }

    @Test
    void aResponseStillBusyAtTheShutdownTimeoutIsClosedAndTheExitIsStillZero(@TempDir Path dir) throws Exception {
        long seed = Seeds.seed("GracefulStopTest.timeout");
        file(dir, "big.bin", BIG, seed);
        int port = start("static", "--root", dir.toString(), "--listen", "127.0.0.1:0", "--workers", "1",
                "--shutdown-timeout", "500ms");
        try (Socket slow = connect(port, 16 << 10)) {
            get(slow, "/big.bin");
            InputStream in = slow.getInputStream();
            assertEquals(BIG, head(in));
            process.toHandle().destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), output()); // the reader never read: the timeout ends it
            assertEquals(0, process.exitValue(), output());
            long n = 0;
            try {
                for (int r; (r = in.read(new byte[64 << 10])) > 0; ) {
                    n += r;
                }
            } catch (IOException e) {
                // a reset is a fine end too: the server closed with bytes unsent
            }
            assertTrue(n < BIG, "the response was cut short: " + n);
        }
        String out = outputAfterExit();
        assertTrue(out.contains("closed connections still busy at the timeout"), out);
    }

    @Test
    void theProxyStopsTheSameWay(@TempDir Path dir) throws Exception {
        Path up = Files.createDirectory(dir.resolve("up"));
        byte[] small = file(up, "small.txt", 100, Seeds.seed("GracefulStopTest.proxy"));
        int upstream = start("static", "--root", up.toString(), "--listen", "127.0.0.1:0", "--workers", "1");
        Process upstreamProcess = process;
        try {
            output.clear();
            int port = start("proxy", "--upstream", "127.0.0.1:" + upstream, "--listen", "127.0.0.1:0", "--workers",
                    "1", "--temp-path", dir.toString());
            try (Socket idle = connect(port, 0)) {
                get(idle, "/small.txt");
                assertArrayEquals(small, body(idle.getInputStream(), head(idle.getInputStream())));
                process.toHandle().destroy();
                assertEquals(-1, idle.getInputStream().read(), "the idle connection is closed at once");
            }
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), output());
            assertEquals(0, process.exitValue(), output());
            assertThrows(ConnectException.class, () -> connect(port, 0).close());
        } finally {
            upstreamProcess.toHandle().destroy();
            assertTrue(upstreamProcess.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, upstreamProcess.exitValue());
        }
    }
}
