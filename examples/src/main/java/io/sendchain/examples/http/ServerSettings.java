package io.sendchain.examples.http;

import java.net.InetSocketAddress;

/**
 * The settings the static server and the reverse proxy both take, with nginx's names, and their defaults and checks:
 * each builder extends this class, so a setting is held, defaulted and checked in one place and a command line
 * sets it the same way for either server.
 *
 * @param <B> the builder, returned by each setter
 */
public abstract class ServerSettings<B extends ServerSettings<B>> {

    InetSocketAddress listen;
    String platform;
    int workers = Runtime.getRuntime().availableProcessors();
    boolean reusePort = true;
    boolean accessLog;
    long keepaliveTimeoutMillis = 75_000;
    long headerTimeoutMillis = 60_000;
    long clientSendTimeoutMillis = 60_000;
    long clientMaxBodySize = 1 << 20;
    int headerBufferSize = 1024;
    int largeHeaderBuffers = 4;
    int largeHeaderBufferSize = 8 * 1024;
    int maxHeaders = 100;
    long workerMemory = 512L << 20;
    boolean status;

    ServerSettings(InetSocketAddress defaultListen) {
        listen = defaultListen;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The address to listen on. */
    public B listen(InetSocketAddress v) {
        listen = v;
        return self();
    }

    /** An explicit platform name, or {@code null} to let the SPI choose. */
    public B platform(String v) {
        platform = v;
        return self();
    }

    /** Event loops (nginx's {@code worker_processes}); one per core unless set. */
    public B workers(int v) {
        workers = (int) atLeast("workers", v, 1);
        return self();
    }

    /**
     * With several workers, each listens on its own {@code SO_REUSEPORT} socket where the platform balances them
     * (nginx's {@code listen ... reuseport}); otherwise one listener hands connections to the workers.
     */
    public B reusePort(boolean v) {
        reusePort = v;
        return self();
    }

    /** Log each request through SLF4J ({@code sendchain.access}). */
    public B accessLog(boolean v) {
        accessLog = v;
        return self();
    }

    /** nginx's {@code keepalive_timeout}: the longest idle wait between a client's requests (0: no keep-alive). */
    public B keepaliveTimeoutMillis(long v) {
        keepaliveTimeoutMillis = atLeast("keepalive_timeout", v, 0);
        return self();
    }

    /**
     * nginx's {@code client_header_timeout}: the longest wait for a request head (408 after it); at least 1 ms, since
     * a timer of 0 would end every connection before its first request could arrive.
     */
    public B headerTimeoutMillis(long v) {
        headerTimeoutMillis = atLeast("client_header_timeout", v, 1);
        return self();
    }

    /**
     * nginx's {@code send_timeout}: the longest wait for the client to take more of a response; at least 1 ms, since
     * a timer of 0 would end a response at the first write the client's window holds back.
     */
    public B clientSendTimeoutMillis(long v) {
        clientSendTimeoutMillis = atLeast("send_timeout", v, 1);
        return self();
    }

    /** nginx's {@code client_max_body_size}: a longer request body is a 413 (0: no limit). */
    public B clientMaxBodySize(long v) {
        clientMaxBodySize = atLeast("client_max_body_size", v, 0);
        return self();
    }

    /** nginx's {@code client_header_buffer_size}: the first buffer for a request head. */
    public B headerBufferSize(int v) {
        headerBufferSize = (int) atLeast("client_header_buffer_size", v, 64);
        return self();
    }

    /** nginx's {@code large_client_header_buffers}: a long head grows to at most {@code num x size} bytes. */
    public B largeHeaderBuffers(int num, int size) {
        if (num < 1 || size < 64) {
            throw new IllegalArgumentException("large header buffers need N >= 1 and SIZE >= 64: " + num + " " + size);
        }
        largeHeaderBuffers = num;
        largeHeaderBufferSize = size;
        return self();
    }

    /** Header fields per request (more: 431). */
    public B maxHeaders(int v) {
        maxHeaders = (int) atLeast("max headers", v, 1);
        return self();
    }

    /** The most native memory one worker keeps for buffers (0: no bound). */
    public B workerMemory(long v) {
        workerMemory = atLeast("worker memory", v, 0);
        return self();
    }

    /** Answer {@code GET /.sendchain/status} with the server's counters. */
    public B status(boolean v) {
        status = v;
        return self();
    }

    /** {@code v}, or an {@link IllegalArgumentException} naming the setting (nginx's name) if it is below {@code min}. */
    static long atLeast(String what, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException("\"" + what + "\" must be at least " + min + ", not " + v);
        }
        return v;
    }
}
