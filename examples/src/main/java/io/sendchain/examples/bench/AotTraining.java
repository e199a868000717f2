package io.sendchain.examples.bench;

import io.sendchain.examples.http.Demo;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The training run behind the launcher's ahead-of-time cache (JDK 25, JEPs 483, 514 and 515): starts
 * {@code sendchain static} in a child JVM whose command line the launcher gives (with {@code -XX:AOTCacheOutput}),
 * drives a few thousand representative requests at it from this JVM, then stops it with SIGTERM; the child JVM
 * writes the cache (classes loaded and linked, method profiles) on its way out.
 *
 * <pre>
 *   AotTraining [--requests N] [--seconds S] -- JAVA [JVM OPTIONS] -cp CLASSPATH io.sendchain.examples.Main
 * </pre>
 * The command after {@code --} gets {@code static --root DIR --listen 127.0.0.1:PORT} appended: DIR is the
 * bundled demo site plus files of 4 KiB, 256 KiB and 2 MiB (the three ways a body is sent: {@code MSG_MORE},
 * uncorked, corked), PORT a free loopback port. The load is a mix over keep-alive connections and new
 * connections: 200, 206 (ranges), 304 (If-Modified-Since), 404 and HEAD. The client runs here, not in the
 * trained JVM, so its classes do not end up in the cache. Exit status 0 when the server answered every request
 * as expected and exited; the launcher then checks that the cache file exists.
 */
public final class AotTraining {

    /** Requests driven by default: enough for the hot paths to be profiled, short enough for a first start. */
    private static final int DEFAULT_REQUESTS = 6000;

    private static final String[] KINDS = {"200", "206", "304", "404", "HEAD"};

    private final int requests;
    private final long deadlineNanos;
    private final AtomicInteger left;
    private final AtomicIntegerArray counts = new AtomicIntegerArray(KINDS.length);
    private final AtomicReference<String> lastModified = new AtomicReference<>();

    AotTraining(int requests, int seconds) {
        this.requests = requests;
        this.left = new AtomicInteger(requests);
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    public static void main(String[] args) throws Exception {
        int requests = DEFAULT_REQUESTS;
        int seconds = 120;
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (i >= args.length - 1) {
            usage("no server command after --");
        }
        if (requests < 1 || seconds < 1) {
            usage("--requests and --seconds must be at least 1: " + requests + ", " + seconds);
        }
        List<String> command = List.of(args).subList(i + 1, args.length);
        System.exit(new AotTraining(requests, seconds).run(command));
    }

    private static void usage(String why) {
        System.err.println("AotTraining: " + why);
        System.err.println("usage: AotTraining [--requests N] [--seconds S] -- JAVA [JVM OPTIONS] MAIN_CLASS");
        System.exit(2);
    }

    private int run(List<String> command) throws IOException, InterruptedException {
        Path root = Demo.extract();
        try {
            addTrainingFiles(root);
            int port = freePort();
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(List.of("static", "--root", root.toString(), "--listen", "127.0.0.1:" + port));
            Process server = new ProcessBuilder(cmd).inheritIO().start();
            // stopped from outside (the launcher got Ctrl-C or SIGTERM): kill the server so that it writes no cache
            // from a cut-short training; after a normal stop it has exited already and this does nothing
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (server.isAlive()) {
                    server.destroyForcibly();
                }
            }, "aot-training-stop"));
            try {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                if (!awaitReady(server, address)) {
                    return 1;
                }
                Throwable failure = load(address);
                if (failure != null) {
                    System.out.println("AotTraining: the training client failed: " + failure);
                    return 1;
                }
                return 0;
            } finally {
                stop(server);
            }
        } finally {
            Demo.delete(root);
        }
    }

    /** Adds the files the load asks for besides the demo site: 4 KiB, 256 KiB and 2 MiB of random bytes. */
    static void addTrainingFiles(Path root) throws IOException {
        Random random = new Random(514);
        writeFile(root.resolve("train-4k.bin"), 4096, random);
        writeFile(root.resolve("train-256k.bin"), 256 * 1024, random);
        writeFile(root.resolve("train-2m.bin"), 2 * 1024 * 1024, random);
    }

    /**
     * Drives the request mix at a server serving the demo site plus {@link #addTrainingFiles}; prints what it did
     * and returns the first failure (an unexpected status, a broken response), or {@code null}.
     */
    Throwable load(InetSocketAddress address) throws InterruptedException {
        long start = System.nanoTime();
        // four clients: two on keep-alive connections, one on a new connection per request, one mixing both
        List<Thread> clients = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 0; c < 4; c++) {
            int perConnection = switch (c) {
                case 0, 1 -> Integer.MAX_VALUE;
                case 2 -> 1;
                default -> 8;
            };
            int seed = c;
            Thread t = Thread.ofPlatform().name("aot-training-" + c).start(() -> {
                try {
                    drive(address, perConnection, seed);
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            });
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < KINDS.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(KINDS[k]).append(' ').append(counts.get(k));
        }
        System.out.println("AotTraining: " + done() + " of " + requests + " requests in " + millis + " ms (" + sb
                + ")");
        return failure.get();
    }

    /** Requests answered as expected so far. */
    int done() {
        int done = 0;
        for (int k = 0; k < KINDS.length; k++) {
            done += counts.get(k);
        }
        return done;
    }

    /** Requests of one kind ("200", "206", "304", "404", "HEAD") answered as expected so far. */
    int done(String kind) {
        return counts.get(List.of(KINDS).indexOf(kind));
    }

    /** Connects until the server answers (it may still be starting), at most two minutes. */
    private boolean awaitReady(Process server, InetSocketAddress address) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < until) {
            if (!server.isAlive()) {
                System.out.println("AotTraining: the server exited with status " + server.exitValue()
                        + " before it answered");
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(address, 1000);
                return true;
            } catch (IOException e) {
                // not listening yet: the process is alive, so wait for it
                server.waitFor(100, TimeUnit.MILLISECONDS);
            }
        }
        System.out.println("AotTraining: the server did not answer on " + address + " within two minutes");
        return false;
    }

    /** Sends requests until the shared budget or the time is used up, reconnecting every {@code perConnection}. */
    private void drive(InetSocketAddress address, int perConnection, int seed) throws IOException {
        Random random = new Random(seed);
        String[] files = {"/", "/index.html", "/style.css", "/hello.txt", "/sendchain.svg", "/docs/index.html",
            "/train-4k.bin", "/train-4k.bin", "/train-4k.bin", "/train-256k.bin"};
        byte[] skip = new byte[64 * 1024];
        while (left.get() > 0 && System.nanoTime() < deadlineNanos) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 10_000);
                socket.setSoTimeout(30_000);
                socket.setTcpNoDelay(true);
                InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                OutputStream out = socket.getOutputStream();
                for (int n = 0; n < perConnection; n++) {
                    if (left.getAndDecrement() <= 0 || System.nanoTime() >= deadlineNanos) {
                        return;
                    }
                    boolean last = n == perConnection - 1;
                    int pick = random.nextInt(40);
                    String target;
                    String extra = "";
                    String method = "GET";
                    int expect;
                    int kind;
                    if (pick < 28) {
                        target = files[pick % files.length];
                        expect = 200;
                        kind = 0;
                    } else if (pick < 31) {
                        target = pick == 30 ? "/train-2m.bin" : "/train-256k.bin";
                        extra = "Range: bytes=" + (pick * 100) + "-" + (pick * 100 + 4095) + "\r\n";
                        expect = 206;
                        kind = 1;
                    } else if (pick < 34 && lastModified.get() != null) {
                        target = "/train-4k.bin";
                        extra = "If-Modified-Since: " + lastModified.get() + "\r\n";
                        expect = 304;
                        kind = 2;
                    } else if (pick < 37) {
                        target = "/missing-" + (pick % 3) + ".html";
                        expect = 404;
                        kind = 3;
                    } else if (pick < 39) {
                        method = "HEAD";
                        target = files[pick % files.length];
                        expect = 200;
                        kind = 4;
                    } else {
                        target = "/train-2m.bin";
                        expect = 200;
                        kind = 0;
                    }
                    String request = method + " " + target + " HTTP/1.1\r\nHost: training\r\nUser-Agent: sendchain-aot\r\n"
                            + extra + (last ? "Connection: close\r\n" : "") + "\r\n";
                    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    int status = readResponse(in, method.equals("HEAD"), target.equals("/train-4k.bin"), skip);
                    if (status != expect) {
                        throw new IOException(method + " " + target + ": status " + status + ", expected " + expect);
                    }
                    counts.incrementAndGet(kind);
                }
            }
        }
    }

    /**
     * Reads one response (head, then a Content-Length body unless HEAD or 304); returns its status. The
     * Last-Modified of a 200 for the file the conditional requests ask for is kept for them ({@code remember}):
     * only an exact date gets a 304, as with nginx's {@code if_modified_since exact}.
     */
    private int readResponse(InputStream in, boolean head, boolean remember, byte[] skip) throws IOException {
        String statusLine = readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("last-modified") && status == 200 && remember) {
                lastModified.compareAndSet(null, value);
            }
        }
        if (head || status == 304 || status == 204) {
            return status;
        }
        if (length < 0) {
            throw new IOException("status " + status + " without Content-Length");
        }
        while (length > 0) {
            int n = in.read(skip, 0, (int) Math.min(skip.length, length));
            if (n < 0) {
                throw new EOFException("response body ended " + length + " bytes early");
            }
            length -= n;
        }
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed in a response head");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    /** SIGTERM, as Ctrl-C would: the server closes, then the JVM assembles the cache before it exits. */
    private static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.MINUTES)) {
            System.out.println("AotTraining: the server did not exit within ten minutes of SIGTERM; killing it");
            server.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void writeFile(Path file, int size, Random random) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.write(file, bytes);
    }
}
