package io.sendchain.examples.http;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The reverse proxy's settings, with nginx's names and defaults: {@code proxy_buffering on},
 * {@code proxy_buffer_size 4k}, {@code proxy_buffers 8 4k}, {@code proxy_busy_buffers_size 8k},
 * {@code proxy_max_temp_file_size 1024m}, {@code proxy_temp_file_write_size 8k}, {@code proxy_limit_rate 0},
 * {@code proxy_connect_timeout}, {@code proxy_read_timeout} and {@code proxy_send_timeout 60s},
 * {@code client_max_body_size 1m}, {@code client_body_timeout 60s}, {@code send_timeout 60s},
 * {@code keepalive_timeout 75s}, {@code client_header_timeout 60s}. The upstream is spoken to in HTTP/1.1
 * ({@code proxy_http_version 1.1}). Upstream keep-alive ({@code upstream { keepalive 32; keepalive_requests 1000;
 * keepalive_timeout 60s; }}) is on by default, unlike nginx's where it must be configured: each worker keeps up to
 * 32 idle upstream connections, and requests go without a {@code Connection} header (nginx's
 * {@code proxy_set_header Connection ""}); {@code upstreamKeepalive(0)} is nginx's default, a new connection per
 * request with {@code Connection: close}.
 *
 * @param listen                 address to listen on
 * @param upstream               the upstream server
 * @param platform               explicit platform name, or {@code null} to let the SPI choose
 * @param buffering              read the whole response as fast as the upstream gives it (temp file if needed);
 *                               off: relay it through one buffer at the client's pace
 * @param bufferSize             buffer for the upstream's response head (and, unbuffered, for the whole body)
 * @param buffersNum             buffers for the response body
 * @param buffersSize            size of each
 * @param busyBuffersSize        most bytes of buffers in flight to the client
 * @param maxTempFileSize        most bytes spilled to a temp file per response (0: never spill)
 * @param tempFileWriteSize      most bytes written to the temp file at once
 * @param tempPath               directory for temp files
 * @param limitRate              bytes per second read from the upstream per response (0: no limit)
 * @param connectTimeoutMillis   longest wait for the upstream connection
 * @param readTimeoutMillis      longest wait between two reads from the upstream
 * @param sendTimeoutMillis      longest wait between two writes to the upstream
 * @param clientSendTimeoutMillis longest wait for the client to take data
 * @param clientBodyTimeoutMillis longest wait between two reads of a request body
 * @param clientMaxBodySize      largest request body (larger: 413; 0: no limit)
 * @param workers                event loops
 * @param accessLog              log each request through SLF4J ({@code sendchain.access})
 * @param keepaliveTimeoutMillis longest idle wait between client requests
 * @param headerTimeoutMillis    longest wait for a complete request head
 * @param headerBufferSize       nginx's {@code client_header_buffer_size}: the first buffer for a request head
 * @param largeHeaderBuffers   nginx's {@code large_client_header_buffers} number
 * @param largeHeaderBufferSize nginx's {@code large_client_header_buffers} size (a longer request line: 414)
 * @param workerMemory         the most native memory one worker keeps for buffers (0: no bound)
 * @param status               answer {@code GET /.sendchain/status} with the server's counters
 * @param maxHeaders             header fields per request
 * @param clientSendBuffer       {@code SO_SNDBUF} of client connections (nginx's {@code listen ... sndbuf=}), 0 for
 *                               the system's default
 * @param reusePort              with several workers, each listens on its own {@code SO_REUSEPORT} socket where
 *                               the platform balances them (nginx's {@code listen ... reuseport}); otherwise one
 *                               listener hands connections to the workers
 * @param upstreamKeepalive      idle upstream connections each worker keeps (nginx's {@code keepalive} in an
 *                               {@code upstream} block); 0: a new connection per request, {@code Connection: close}
 * @param upstreamKeepaliveRequests most requests one upstream connection serves (nginx's
 *                               {@code keepalive_requests})
 * @param upstreamKeepaliveTimeoutMillis longest an upstream connection is kept idle (nginx's upstream
 *                               {@code keepalive_timeout})
 */
public record ProxyConfig(InetSocketAddress listen, InetSocketAddress upstream, String platform, boolean buffering,
        long bufferSize, int buffersNum, long buffersSize, long busyBuffersSize, long maxTempFileSize,
        long tempFileWriteSize, Path tempPath, long limitRate, long connectTimeoutMillis, long readTimeoutMillis,
        long sendTimeoutMillis, long clientSendTimeoutMillis, long clientBodyTimeoutMillis, long clientMaxBodySize,
        int workers, boolean accessLog, long keepaliveTimeoutMillis, long headerTimeoutMillis, int headerBufferSize,
        int largeHeaderBuffers, int largeHeaderBufferSize, long workerMemory, boolean status, int maxHeaders,
        int clientSendBuffer, boolean reusePort, int upstreamKeepalive, int upstreamKeepaliveRequests,
        long upstreamKeepaliveTimeoutMillis) {

    public static Builder builder() {
        return new Builder();
    }

    /** Settings one by one, starting from nginx's defaults; {@link #build()} checks them as nginx does. */
    public static final class Builder implements ServerSettings {
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 8081);
        private InetSocketAddress upstream;
        private String platform;
        private boolean buffering = true;
        private long bufferSize = 4096;
        private int buffersNum = 8;
        private long buffersSize = 4096;
        private long busyBuffersSize = -1;
        private long maxTempFileSize = 1L << 30;
        private long tempFileWriteSize = -1;
        private Path tempPath = Path.of(System.getProperty("java.io.tmpdir"));
        private long limitRate;
        private long connectTimeoutMillis = 60_000;
        private long readTimeoutMillis = 60_000;
        private long sendTimeoutMillis = 60_000;
        private long clientSendTimeoutMillis = 60_000;
        private long clientBodyTimeoutMillis = 60_000;
        private long clientMaxBodySize = 1 << 20;
        private int workers = Runtime.getRuntime().availableProcessors();
        private boolean accessLog;
        private long keepaliveTimeoutMillis = 75_000;
        private long headerTimeoutMillis = 60_000;
        private int headerBufferSize = 1024;
        private int largeHeaderBuffers = 4;
        private int largeHeaderBufferSize = 8 * 1024;
        private long workerMemory = 512L << 20;
        private boolean status;
        private int maxHeaders = 100;
        private int clientSendBuffer;
        private boolean reusePort = true;
        private int upstreamKeepalive = 32;
        private int upstreamKeepaliveRequests = 1000;
        private long upstreamKeepaliveTimeoutMillis = 60_000;

        public Builder listen(InetSocketAddress v) {
            listen = v;
            return this;
        }

        public Builder upstream(InetSocketAddress v) {
            upstream = v;
            return this;
        }

        public Builder platform(String v) {
            platform = v;
            return this;
        }

        public Builder buffering(boolean v) {
            buffering = v;
            return this;
        }

        public Builder bufferSize(long v) {
            bufferSize = atLeast("proxy_buffer_size", v, 256);
            return this;
        }

        public Builder buffers(int num, long size) {
            if (num < 2 || size < 1) {
                throw new IllegalArgumentException("there must be at least 2 \"proxy_buffers\" of at least 1 byte: "
                        + num + " " + size);
            }
            buffersNum = num;
            buffersSize = size;
            return this;
        }

        public Builder busyBuffersSize(long v) {
            busyBuffersSize = atLeast("proxy_busy_buffers_size", v, 0);
            return this;
        }

        public Builder maxTempFileSize(long v) {
            maxTempFileSize = atLeast("proxy_max_temp_file_size", v, 0);
            return this;
        }

        public Builder tempFileWriteSize(long v) {
            tempFileWriteSize = atLeast("proxy_temp_file_write_size", v, 0);
            return this;
        }

        public Builder tempPath(Path v) {
            tempPath = v;
            return this;
        }

        public Builder limitRate(long v) {
            limitRate = atLeast("proxy_limit_rate", v, 0);
            return this;
        }

        public Builder connectTimeoutMillis(long v) {
            connectTimeoutMillis = atLeast("proxy_connect_timeout", v, 1);
            return this;
        }

        public Builder readTimeoutMillis(long v) {
            readTimeoutMillis = atLeast("proxy_read_timeout", v, 1);
            return this;
        }

        public Builder sendTimeoutMillis(long v) {
            sendTimeoutMillis = atLeast("proxy_send_timeout", v, 1);
            return this;
        }

        public Builder clientSendTimeoutMillis(long v) {
            clientSendTimeoutMillis = atLeast("send_timeout", v, 1);
            return this;
        }

        public Builder clientBodyTimeoutMillis(long v) {
            clientBodyTimeoutMillis = atLeast("client_body_timeout", v, 1);
            return this;
        }

        public Builder clientMaxBodySize(long v) {
            clientMaxBodySize = atLeast("client_max_body_size", v, 0);
            return this;
        }

        public Builder workers(int v) {
            workers = (int) atLeast("workers", v, 1);
            return this;
        }

        public Builder accessLog(boolean v) {
            accessLog = v;
            return this;
        }

        public Builder keepaliveTimeoutMillis(long v) {
            keepaliveTimeoutMillis = atLeast("keepalive_timeout", v, 0);
            return this;
        }

        public Builder headerTimeoutMillis(long v) {
            headerTimeoutMillis = atLeast("client_header_timeout", v, 1);
            return this;
        }

        public Builder headerBufferSize(int v) {
            headerBufferSize = (int) atLeast("header buffer", v, 64);
            return this;
        }

        @Override
        public Builder largeHeaderBuffers(int num, int size) {
            ServerSettings.checkLargeHeaderBuffers(num, size);
            largeHeaderBuffers = num;
            largeHeaderBufferSize = size;
            return this;
        }

        @Override
        public Builder workerMemory(long v) {
            workerMemory = ServerSettings.checkWorkerMemory(v);
            return this;
        }

        @Override
        public Builder status(boolean v) {
            status = v;
            return this;
        }

        public Builder reusePort(boolean v) {
            reusePort = v;
            return this;
        }

        /** Idle upstream connections each worker keeps (nginx's upstream {@code keepalive}); 0: none. */
        public Builder upstreamKeepalive(int v) {
            upstreamKeepalive = (int) atLeast("keepalive", v, 0);
            return this;
        }

        /** Most requests one upstream connection serves (nginx's {@code keepalive_requests}). */
        public Builder upstreamKeepaliveRequests(int v) {
            upstreamKeepaliveRequests = (int) atLeast("keepalive_requests", v, 1);
            return this;
        }

        /** Longest an upstream connection is kept idle (nginx's upstream {@code keepalive_timeout}). */
        public Builder upstreamKeepaliveTimeoutMillis(long v) {
            upstreamKeepaliveTimeoutMillis = atLeast("upstream keepalive_timeout", v, 1);
            return this;
        }

        public Builder clientSendBuffer(int v) {
            clientSendBuffer = (int) atLeast("sndbuf", v, 0);
            return this;
        }

        private static long atLeast(String what, long v, long min) {
            if (v < min) {
                throw new IllegalArgumentException("\"" + what + "\" must be at least " + min + ", not " + v);
            }
            return v;
        }

        /**
         * Checks the buffer sizes the way nginx checks its {@code proxy_*} directives and fills in the derived
         * defaults (busy buffers and temp file write size: twice the larger of a buffer and the head buffer).
         *
         * @throws IllegalArgumentException naming the directive and the limit it breaks
         */
        public ProxyConfig build() {
            if (upstream == null) {
                throw new IllegalArgumentException("an upstream is required");
            }
            long size = Math.max(bufferSize, buffersSize);
            long busy = busyBuffersSize < 0 ? 2 * size : busyBuffersSize;
            if (busy < size) {
                throw new IllegalArgumentException("\"proxy_busy_buffers_size\" (" + busy
                        + ") must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and"
                        + " one of the \"proxy_buffers\" (" + size + ")");
            }
            if (buffering && busy > (buffersNum - 1) * buffersSize) {
                throw new IllegalArgumentException("\"proxy_busy_buffers_size\" (" + busy
                        + ") must be less than the size of all \"proxy_buffers\" minus one buffer ("
                        + (buffersNum - 1) * buffersSize + ")");
            }
            long writeSize = tempFileWriteSize < 0 ? 2 * size : tempFileWriteSize;
            if (writeSize < size) {
                throw new IllegalArgumentException("\"proxy_temp_file_write_size\" (" + writeSize
                        + ") must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and"
                        + " one of the \"proxy_buffers\" (" + size + ")");
            }
            if (maxTempFileSize != 0 && maxTempFileSize < size) {
                throw new IllegalArgumentException("\"proxy_max_temp_file_size\" (" + maxTempFileSize
                        + ") must be equal to zero to disable temporary files usage or must be equal to or greater"
                        + " than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\" ("
                        + size + ")");
            }
            return new ProxyConfig(listen, upstream, platform, buffering, bufferSize, buffersNum, buffersSize, busy,
                    maxTempFileSize, writeSize, tempPath, limitRate, connectTimeoutMillis, readTimeoutMillis,
                    sendTimeoutMillis, clientSendTimeoutMillis, clientBodyTimeoutMillis, clientMaxBodySize, workers,
                    accessLog, keepaliveTimeoutMillis, headerTimeoutMillis, headerBufferSize, largeHeaderBuffers,
                    largeHeaderBufferSize, workerMemory, status, maxHeaders, clientSendBuffer, reusePort,
                    upstreamKeepalive, upstreamKeepaliveRequests, upstreamKeepaliveTimeoutMillis);
        }
    }
}
