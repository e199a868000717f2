package io.sendchain.examples.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers every connection with exactly the bytes a test scripts: well-formed, truncated,
 * over-long or malformed responses. It records each request (head and body bytes as they arrived) and tells
 * when the proxy closed its side. By default it answers one request per connection and closes; made with
 * {@code keepAlive}, it reads request after request on a connection until the proxy closes it or the script does
 * ({@code request.socket().close()}).
 */
final class ScriptedUpstream implements AutoCloseable {

    /** What to do with one accepted connection after the request head was read. */
    @FunctionalInterface
    interface Script {
        void answer(Request request, OutputStream out) throws IOException;
    }

    /**
     * A request as the upstream saw it: on its {@code connection}-th connection (from 1, in accept order), the
     * {@code number}-th request there (from 1).
     */
    record Request(String head, byte[] body, Socket socket, int connection, int number) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final BlockingQueue<Boolean> closedByProxy = new LinkedBlockingQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final boolean keepAlive;
    /** Connections being served; guarded by itself, notified when it drops. */
    private final int[] open = new int[1];
    private volatile Script script;

    ScriptedUpstream(Script script) throws IOException {
        this(script, false);
    }

    ScriptedUpstream(Script script, boolean keepAlive) throws IOException {
        this.script = script;
        this.keepAlive = keepAlive;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().name("scripted-upstream").start(this::acceptLoop);
    }

    /** Answers connections from now on with {@code s}. */
    void script(Script s) {
        script = s;
    }

    /** Connections accepted so far (in the order the proxy opened them: the listen queue is first in, first out). */
    int accepted() {
        return accepted.get();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** The next request the upstream received, waiting up to 10 s. */
    Request nextRequest() throws InterruptedException {
        Request r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the upstream received no request within 10 s");
        }
        return r;
    }

    /** Waits up to {@code millis} until at most {@code n} connections are open; {@code false} if they were not. */
    boolean awaitOpenConnections(int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (open) {
            while (open[0] > n) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                open.wait(left);
            }
            return true;
        }
    }

    /** Waits until the proxy closed a connection the upstream was still writing to or holding open. */
    boolean awaitClosedByProxy(long millis) throws InterruptedException {
        return closedByProxy.poll(millis, TimeUnit.MILLISECONDS) != null;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            int connection = accepted.incrementAndGet();
            synchronized (open) {
                open[0]++;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    serve(s, connection);
                } finally {
                    synchronized (open) {
                        open[0]--;
                        open.notifyAll();
                    }
                }
            });
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            InputStream in = s.getInputStream();
            for (int number = 1; ; number++) {
                String head = readHead(in);
                if (head == null) {
                    return; // keep-alive: the proxy closed an idle connection
                }
                byte[] body = readBody(in, head);
                Request r = new Request(head, body, s, connection, number);
                requests.add(r);
                OutputStream out = s.getOutputStream();
                script.answer(r, out);
                if (s.isClosed()) {
                    return; // the script closed the connection
                }
                out.flush();
                if (!keepAlive) {
                    return;
                }
            }
        } catch (IOException e) {
            closedByProxy.add(Boolean.TRUE); // the proxy reset or closed the connection under us
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            state = switch (state) {
                case 0 -> c == '\r' ? 1 : 0;
                case 1 -> c == '\n' ? 2 : c == '\r' ? 1 : 0;
                case 2 -> c == '\r' ? 3 : 0;
                default -> c == '\n' ? 4 : 0;
            };
            if (state == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** The body as the proxy framed it: Content-Length bytes, or the raw chunked bytes up to the last chunk. */
    private static byte[] readBody(InputStream in, String head) throws IOException {
        Request probe = new Request(head, null, null, 0, 0);
        String cl = probe.header("Content-Length");
        if (cl != null) {
            return in.readNBytes(Integer.parseInt(cl));
        }
        if ("chunked".equalsIgnoreCase(probe.header("Transfer-Encoding"))) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            for (;;) {
                String size = line(in, raw);
                long n = Long.parseLong(size, 16);
                if (n == 0) {
                    line(in, raw); // the blank line after the last chunk (no trailers are forwarded)
                    return raw.toByteArray();
                }
                raw.write(in.readNBytes((int) n));
                line(in, raw);
            }
        }
        return new byte[0];
    }

    private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            raw.write(c);
            if (c == '\n') {
                return sb.toString().replace("\r", "");
            }
            sb.append((char) c);
        }
        throw new IOException("end of stream in a chunked body");
    }

    /** Decodes a chunked body the upstream recorded. */
    static byte[] dechunk(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        for (;;) {
            int nl = i;
            while (raw[nl] != '\n') {
                nl++;
            }
            int n = Integer.parseInt(new String(raw, i, nl - i, StandardCharsets.ISO_8859_1).trim(), 16);
            i = nl + 1;
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(raw, i, n);
            i += n + 2;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
