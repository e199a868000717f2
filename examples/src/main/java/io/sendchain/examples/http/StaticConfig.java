package io.sendchain.examples.http;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The static server's settings, with nginx's names and defaults: {@code sendfile}, {@code sendfile_max_chunk 2m},
 * {@code output_buffers 2 32k}, {@code aio threads}, {@code directio}, {@code limit_rate},
 * {@code limit_rate_after}, {@code send_timeout 60s}, {@code keepalive_timeout 75s},
 * {@code client_header_timeout 60s}, {@code client_max_body_size 1m}, {@code lingering_time 30s},
 * {@code lingering_timeout 5s}, {@code tcp_nopush}, {@code tcp_nodelay}.
 *
 * @param root                 directory served
 * @param listen               address to listen on
 * @param platform             explicit platform name, or {@code null} to let the SPI choose
 * @param sendfile             send files with sendfile (off: the output chain copies them through buffers)
 * @param sendfileMaxChunk     most bytes per send-chain call (0: no limit)
 * @param outputBuffersNum     copies the output chain may use
 * @param outputBuffersSize    size of each copy
 * @param aioThreads           thread pool for sendfile and file reads (0: on the event loop)
 * @param directio             files at least this large are read with O_DIRECT (0: off)
 * @param limitRate            bytes per second per response (0: no limit)
 * @param limitRateAfter       bytes sent at full speed before the rate limit applies
 * @param workers              event loops
 * @param accessLog            log each request through SLF4J ({@code sendchain.access})
 * @param clientSendTimeoutMillis nginx's {@code send_timeout}: longest wait for the client to take data
 * @param keepaliveTimeoutMillis longest idle wait between requests
 * @param headerTimeoutMillis  longest wait for a complete request head
 * @param headerBufferSize     nginx's {@code client_header_buffer_size}: the first buffer for a request head
 * @param largeHeaderBuffers   nginx's {@code large_client_header_buffers} number
 * @param largeHeaderBufferSize nginx's {@code large_client_header_buffers} size (a longer request line: 414)
 * @param workerMemory         the most native memory one worker keeps for buffers (0: no bound)
 * @param status               answer {@code GET /.sendchain/status} with the server's counters
 * @param maxHeaders           header fields per request (more: 431)
 * @param tcpNopush            cork a header in front of a file (TCP_CORK on Linux)
 * @param corkSkipFrom         bodies larger than this and ...
 * @param corkSkipTo           ... smaller than this are sent uncorked: measured on loopback, the cork helps a
 *                             small body (one segment with its header) and a large one (full segments over many
 *                             sends) but slows mid-size ones to less than half (docs/BENCHMARKS.md)
 * @param tcpNodelay           TCP_NODELAY on client connections
 * @param msgMoreMax           on Linux, a header in front of a file body of at most this many bytes that ends
 *                             the response is sent with {@code MSG_MORE} instead of between {@code TCP_CORK} on
 *                             and off: the same single segment, two system calls fewer (0: always cork)
 * @param symlinksOutsideRoot  follow symbolic links that lead outside the root
 * @param reusePort            with several workers, each listens on its own {@code SO_REUSEPORT} socket where the
 *                             platform balances them (nginx's {@code listen ... reuseport}); otherwise one listener
 *                             hands connections to the workers
 * @param clientMaxBodySize    the largest request body discarded: a longer one is a 413 (0: no limit)
 * @param lingeringTimeMillis  the most time to discard the rest of a request body after the answer
 * @param lingeringTimeoutMillis the longest wait for more of a request body being discarded
 * @param openFileCache        nginx's {@code open_file_cache} and its {@code _valid}, {@code _min_uses} and
 *                             {@code _errors}, or {@code null} for off
 */
public record StaticConfig(Path root, InetSocketAddress listen, String platform, boolean sendfile,
        long sendfileMaxChunk, int outputBuffersNum, long outputBuffersSize, int aioThreads, long directio,
        long limitRate, long limitRateAfter, int workers, boolean accessLog, long clientSendTimeoutMillis,
        long keepaliveTimeoutMillis, long headerTimeoutMillis, int headerBufferSize, int largeHeaderBuffers,
        int largeHeaderBufferSize, long workerMemory, boolean status, int maxHeaders, boolean tcpNopush,
        long corkSkipFrom, long corkSkipTo, boolean tcpNodelay, long msgMoreMax, boolean symlinksOutsideRoot,
        boolean reusePort, long clientMaxBodySize, long lingeringTimeMillis, long lingeringTimeoutMillis,
        FileCache openFileCache) {

    /**
     * nginx's {@code open_file_cache max=N inactive=TIME}, {@code open_file_cache_valid},
     * {@code open_file_cache_min_uses} and {@code open_file_cache_errors}: each worker keeps the lookup results of
     * up to {@code max} paths and one open descriptor per file, shared by its responses.
     *
     * @param max            entries per worker; past it the least recently used goes
     * @param inactiveMillis an entry not asked for this long goes
     * @param validMillis    a result is trusted this long, then the file system is asked again
     * @param minUses        requests for a path (while it stays cached) before its descriptor is kept open
     * @param errors         keep "not found" and "forbidden" results too
     * @param memory         bytes of small files' contents each worker keeps in native memory and sends from
     *                       ({@code 0}: off); least recently used contents go past it
     * @param memoryMaxFile  the largest file whose content is kept in memory
     */
    public record FileCache(int max, long inactiveMillis, long validMillis, int minUses, boolean errors, long memory,
            long memoryMaxFile) {

        /** The largest file kept in memory unless told otherwise: 16 KiB. */
        public static final long MEMORY_MAX_FILE = 16 * 1024;

        /** nginx's defaults for everything but {@code max}: inactive 60s, valid 60s, min_uses 1, errors off. */
        public static FileCache of(int max) {
            return new FileCache(max, 60_000, 60_000, 1, false);
        }

        /** Without contents in memory. */
        public FileCache(int max, long inactiveMillis, long validMillis, int minUses, boolean errors) {
            this(max, inactiveMillis, validMillis, minUses, errors, 0, MEMORY_MAX_FILE);
        }

        public FileCache {
            if (max <= 0 || inactiveMillis < 0 || validMillis < 0 || minUses < 1 || memory < 0 || memoryMaxFile < 0) {
                throw new IllegalArgumentException("open file cache: memory >= 0, memory max file >= 0, max > 0, "
                        + "inactive >= 0, valid >= 0 and min_uses >= 1 expected: max=" + max + " inactive="
                        + inactiveMillis + " valid=" + validMillis + " min_uses=" + minUses + " memory=" + memory
                        + " memory_max_file=" + memoryMaxFile);
            }
        }

        public FileCache withInactiveMillis(long v) {
            return new FileCache(max, v, validMillis, minUses, errors, memory, memoryMaxFile);
        }

        public FileCache withValidMillis(long v) {
            return new FileCache(max, inactiveMillis, v, minUses, errors, memory, memoryMaxFile);
        }

        public FileCache withMinUses(int v) {
            return new FileCache(max, inactiveMillis, validMillis, v, errors, memory, memoryMaxFile);
        }

        public FileCache withErrors(boolean v) {
            return new FileCache(max, inactiveMillis, validMillis, minUses, v, memory, memoryMaxFile);
        }

        /** Keeps up to {@code bytes} of small files' contents in memory per worker ({@code 0}: off). */
        public FileCache withMemory(long bytes) {
            return new FileCache(max, inactiveMillis, validMillis, minUses, errors, bytes, memoryMaxFile);
        }

        /** Keeps only files of at most {@code bytes} in memory. */
        public FileCache withMemoryMaxFile(long bytes) {
            return new FileCache(max, inactiveMillis, validMillis, minUses, errors, memory, bytes);
        }
    }

    /** nginx's defaults for {@code root} on {@code listen}; workers: one per core. */
    public static StaticConfig defaults(Path root, InetSocketAddress listen) {
        return builder().root(root).listen(listen).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings one by one, starting from the defaults. */
    public static final class Builder extends ServerSettings<Builder> {
        private Path root;
        private boolean sendfile = true;
        private long sendfileMaxChunk = 2L << 20;
        private int outputBuffersNum = 2;
        private long outputBuffersSize = 32 * 1024;
        private int aioThreads;
        private long directio;
        private long limitRate;
        private long limitRateAfter;
        private boolean tcpNopush = true;
        private long corkSkipFrom = 64 * 1024;
        private long corkSkipTo = 1024 * 1024;
        private boolean tcpNodelay = true;
        private long msgMoreMax = 64 * 1024;
        private boolean symlinksOutsideRoot;
        private long lingeringTimeMillis = 30_000;
        private long lingeringTimeoutMillis = 5_000;
        private FileCache openFileCache;

        Builder() {
            super(new InetSocketAddress("127.0.0.1", 8080));
        }

        public Builder root(Path v) {
            root = v;
            return this;
        }

        public Path root() {
            return root;
        }

        public Builder sendfile(boolean v) {
            sendfile = v;
            return this;
        }

        public Builder sendfileMaxChunk(long v) {
            sendfileMaxChunk = nonNegative("sendfile max chunk", v);
            return this;
        }

        public Builder outputBuffers(int num, long size) {
            if (num < 1 || size < 1) {
                throw new IllegalArgumentException("output buffers need N >= 1 and SIZE >= 1: " + num + " " + size);
            }
            outputBuffersNum = num;
            outputBuffersSize = size;
            return this;
        }

        public Builder aioThreads(int v) {
            aioThreads = (int) nonNegative("aio threads", v);
            return this;
        }

        public Builder directio(long v) {
            directio = nonNegative("directio", v);
            return this;
        }

        public Builder limitRate(long v) {
            limitRate = nonNegative("limit rate", v);
            return this;
        }

        public Builder limitRateAfter(long v) {
            limitRateAfter = nonNegative("limit rate after", v);
            return this;
        }

        public Builder tcpNopush(boolean v) {
            tcpNopush = v;
            return this;
        }

        /** Bodies in {@code (from, to)} are sent uncorked; {@code from >= to} corks every body. */
        public Builder corkSkip(long from, long to) {
            corkSkipFrom = nonNegative("cork skip from", from);
            corkSkipTo = nonNegative("cork skip to", to);
            return this;
        }

        public Builder tcpNodelay(boolean v) {
            tcpNodelay = v;
            return this;
        }

        /** Bodies up to {@code v} bytes go after a {@code MSG_MORE} header instead of a cork; 0: always cork. */
        public Builder msgMoreMax(long v) {
            if (v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("msg more max > 2g: " + v);
            }
            msgMoreMax = nonNegative("msg more max", v);
            return this;
        }

        public Builder symlinksOutsideRoot(boolean v) {
            symlinksOutsideRoot = v;
            return this;
        }

        /** nginx's {@code lingering_time}: the most time to discard the rest of a body after the answer. */
        public Builder lingeringTimeMillis(long v) {
            lingeringTimeMillis = nonNegative("lingering time", v);
            return this;
        }

        /** nginx's {@code lingering_timeout}: the longest wait for more of a body being discarded. */
        public Builder lingeringTimeoutMillis(long v) {
            lingeringTimeoutMillis = nonNegative("lingering timeout", v);
            return this;
        }

        /** nginx's {@code open_file_cache}: the settings, or {@code null} for off (the default). */
        public Builder openFileCache(FileCache v) {
            openFileCache = v;
            return this;
        }

        /** The open file cache's settings so far, {@code null} when off. */
        public FileCache openFileCache() {
            return openFileCache;
        }

        private static long nonNegative(String what, long v) {
            return ServerSettings.atLeast(what, v, 0);
        }

        public StaticConfig build() {
            return new StaticConfig(root, listen, platform, sendfile, sendfileMaxChunk, outputBuffersNum,
                    outputBuffersSize, aioThreads, directio, limitRate, limitRateAfter, workers, accessLog,
                    clientSendTimeoutMillis, keepaliveTimeoutMillis, headerTimeoutMillis, headerBufferSize,
                    largeHeaderBuffers, largeHeaderBufferSize, workerMemory, status, maxHeaders, tcpNopush,
                    corkSkipFrom, corkSkipTo, tcpNodelay, msgMoreMax, symlinksOutsideRoot, reusePort,
                    clientMaxBodySize, lingeringTimeMillis, lingeringTimeoutMillis, openFileCache);
        }
    }
}
