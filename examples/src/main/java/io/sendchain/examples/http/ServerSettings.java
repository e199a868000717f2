package io.sendchain.examples.http;

import java.net.InetSocketAddress;

/**
 * The settings the static server and the reverse proxy both take, with nginx's names: a command line sets them the
 * same way for either, and the checks both builders make are written here once.
 */
public interface ServerSettings {

    ServerSettings listen(InetSocketAddress v);

    ServerSettings platform(String v);

    ServerSettings workers(int v);

    ServerSettings reusePort(boolean v);

    ServerSettings accessLog(boolean v);

    ServerSettings keepaliveTimeoutMillis(long v);

    /** nginx's {@code client_header_timeout}: the longest wait for a request head (408 after it). */
    ServerSettings headerTimeoutMillis(long v);

    ServerSettings clientMaxBodySize(long v);

    /** nginx's {@code client_header_buffer_size}: the first buffer for a request head. */
    ServerSettings headerBufferSize(int v);

    /** nginx's {@code large_client_header_buffers}: a long head grows to at most {@code num x size} bytes. */
    ServerSettings largeHeaderBuffers(int num, int size);

    /** The most native memory one worker keeps for buffers (0: no bound). */
    ServerSettings workerMemory(long v);

    /** Answer {@code GET /.sendchain/status} with the server's counters. */
    ServerSettings status(boolean v);

    /** Checks {@link #workers}' argument and returns it. */
    static int checkWorkers(int v) {
        return (int) atLeast("workers", v, 1);
    }

    /** Checks {@link #keepaliveTimeoutMillis}' argument (0: no keep-alive) and returns it. */
    static long checkKeepaliveTimeout(long v) {
        return atLeast("keepalive_timeout", v, 0);
    }

    /**
     * Checks {@link #headerTimeoutMillis}' argument and returns it: at least 1 ms, since a timer of 0 would end every
     * connection before its first request could arrive.
     */
    static long checkHeaderTimeout(long v) {
        return atLeast("client_header_timeout", v, 1);
    }

    /** Checks {@link #clientMaxBodySize}' argument (0: no limit) and returns it. */
    static long checkClientMaxBodySize(long v) {
        return atLeast("client_max_body_size", v, 0);
    }

    /** Checks {@link #headerBufferSize}' argument and returns it. */
    static int checkHeaderBufferSize(int v) {
        return (int) atLeast("client_header_buffer_size", v, 64);
    }

    /** {@code v}, or an {@link IllegalArgumentException} naming the setting (nginx's name) if it is below {@code min}. */
    static long atLeast(String what, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException("\"" + what + "\" must be at least " + min + ", not " + v);
        }
        return v;
    }

    /** Checks {@link #largeHeaderBuffers}' arguments. */
    static void checkLargeHeaderBuffers(int num, int size) {
        if (num < 1 || size < 64) {
            throw new IllegalArgumentException("large header buffers need N >= 1 and SIZE >= 64: " + num + " " + size);
        }
    }

    /** Checks {@link #workerMemory}'s argument and returns it. */
    static long checkWorkerMemory(long v) {
        return atLeast("worker memory", v, 0);
    }
}
