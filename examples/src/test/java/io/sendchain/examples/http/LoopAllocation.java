package io.sendchain.examples.http;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * What the allocation tests share: a server built with its loops' memory in production mode, the same request sent
 * many times over one kept-alive connection, and the bytes an event-loop thread allocated meanwhile.
 */
final class LoopAllocation {

    private static final String CHECKED = "sendchain.memory.checked";

    /** Makes a server. */
    interface Maker<T> {
        T make() throws IOException;
    }

    private LoopAllocation() {
    }

    /**
     * {@code maker}'s server with its loops' memory unchecked: the suite runs every loop's memory in checked mode,
     * which records where each chunk was taken (an allocation per take by design); this server runs as in
     * production.
     */
    static <T> T unchecked(Maker<T> maker) throws IOException {
        String checked = System.getProperty(CHECKED);
        System.setProperty(CHECKED, "false");
        try {
            return maker.make();
        } finally {
            if (checked == null) {
                System.clearProperty(CHECKED);
            } else {
                System.setProperty(CHECKED, checked);
            }
        }
    }

    /** Sends {@code req} {@code n} times on {@code client}, reading each answer of {@code length} bytes into {@code in}. */
    static void exchange(SocketChannel client, ByteBuffer req, ByteBuffer in, int length, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            req.rewind();
            while (req.hasRemaining()) {
                client.write(req);
            }
            in.clear().limit(length);
            while (in.hasRemaining()) {
                if (client.read(in) < 0) {
                    throw new IOException("the server closed the connection after " + i + " requests");
                }
            }
        }
    }

    /** The bytes thread {@code threadId} allocated while {@code n} exchanges ran, as {@link #exchange}. */
    static long allocatedDuring(long threadId, SocketChannel client, ByteBuffer req, ByteBuffer in, int length, int n)
            throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(threadId);
        exchange(client, req, in, length, n);
        return threads.getThreadAllocatedBytes(threadId) - before;
    }
}
