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

    ServerSettings clientMaxBodySize(long v);

    /** nginx's {@code client_header_buffer_size}: the first buffer for a request head. */
    ServerSettings headerBufferSize(int v);

    /** nginx's {@code large_client_header_buffers}: a long head grows to at most {@code num x size} bytes. */
    ServerSettings largeHeaderBuffers(int num, int size);

    /** The most native memory one worker keeps for buffers (0: no bound). */
    ServerSettings workerMemory(long v);

    /** Answer {@code GET /.sendchain/status} with the server's counters. */
    ServerSettings status(boolean v);

    /** Checks {@link #largeHeaderBuffers}' arguments. */
    static void checkLargeHeaderBuffers(int num, int size) {
        if (num < 1 || size < 64) {
            throw new IllegalArgumentException("large header buffers need N >= 1 and SIZE >= 64: " + num + " " + size);
        }
    }

    /** Checks {@link #workerMemory}'s argument and returns it. */
    static long checkWorkerMemory(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("worker memory < 0: " + v);
        }
        return v;
    }
}
