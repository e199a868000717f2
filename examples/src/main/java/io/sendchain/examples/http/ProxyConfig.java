package io.sendchain.examples.http;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxy's settings, with nginx's names and defaults: {@code proxy_buffering on},
 * {@code proxy_buffer_size 4k}, {@code proxy_buffers 8 4k}, {@code proxy_busy_buffers_size 8k},
 * {@code proxy_max_temp_file_size 1024m}, {@code proxy_temp_file_write_size 8k}, {@code proxy_limit_rate 0},
 * {@code proxy_connect_timeout}, {@code proxy_read_timeout} and {@code proxy_send_timeout 60s},
 * {@code client_max_body_size 1m}, {@code client_body_timeout 60s}, {@code proxy_request_buffering on},
 * {@code client_body_buffer_size 16k}, {@code send_timeout 60s},
 * {@code keepalive_timeout 75s}, {@code client_header_timeout 60s}. The upstream is spoken to in HTTP/1.1
 * ({@code proxy_http_version 1.1}). Upstream keep-alive ({@code upstream { keepalive 32; keepalive_requests 1000;
 * keepalive_timeout 60s; }}) is on by default, unlike nginx's where it must be configured: each worker keeps up to
 * 32 idle upstream connections, and requests go without a {@code Connection} header (nginx's
 * {@code proxy_set_header Connection ""}); {@code upstreamKeepalive(0)} is nginx's default, a new connection per
 * request with {@code Connection: close}.
 *
 * <p>Several upstream servers form one group, nginx's {@code upstream} block with {@code server} lines: balanced by
 * weighted round robin, each taken out for {@code fail_timeout} after {@code max_fails} failures, and a request
 * that fails on one before its answer began is passed on to the next (nginx's {@code proxy_next_upstream error
 * timeout}, at most {@code proxy_next_upstream_tries} servers, 0: as many as there are).
 *
 * @param listen                 address to listen on
 * @param upstreams              the upstream servers, in the order given
 * @param upstreamName           the {@code Host} sent upstream: nginx's {@code $proxy_host}, the group's name (by
 *                               default the only server's {@code HOST:PORT}, or with several the first's)
 * @param nextUpstream           when a request is passed on to the next server: {@link #NEXT_ERROR} and
 *                               {@link #NEXT_TIMEOUT} by default, 0 for never ({@code off})
 * @param nextUpstreamTries      most servers one request tries, 0: no limit but the number of servers
 * @param platform               explicit platform name, or {@code null} to let the SPI choose
 * @param buffering              read the whole response as fast as the upstream gives it (temp file if needed);
 *                               off: relay it through one buffer at the client's pace
 * @param bufferSize             longest upstream response head, and its buffer (and, unbuffered, the whole body's);
 *                               buffered, that buffer has room for one of {@code buffersSize} more, within
 *                               {@code busyBuffersSize}, so a small body comes in the head's read
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
 * @param requestBuffering       nginx's {@code proxy_request_buffering}: read the whole request body (memory, then a
 *                               temp file in {@code tempPath}) before an upstream server is chosen; off: stream it to
 *                               the upstream as it arrives
 * @param clientBodyBufferSize   nginx's {@code client_body_buffer_size}: the memory a buffered request body may take
 *                               before the rest goes to its temp file
 * @param splice                 relay {@code Content-Length} bodies, and the chunks' data of chunked ones passed on
 *                               as they came, upstream socket → kernel pipe → client socket
 *                               without copying them (Linux's {@code splice(2)}, HAProxy's {@code option
 *                               splice-response}) where the platform can; elsewhere, or off, bodies go through
 *                               memory. With buffering on, a response is spliced while the client keeps up and goes
 *                               on through the event pipe when it falls behind ({@link SpliceRelay}). Not with
 *                               {@code limitRate}, which the event pipe applies
 * @param splicePipeSize         the size of each kernel pipe ({@code F_SETPIPE_SZ}; Linux's default and the most an
 *                               unprivileged process gets without raising {@code fs.pipe-max-size} are 64k and 1m)
 * @param spliceMinSize          the fewest body bytes still to read after the head for a response to be spliced
 *                               (smaller bodies cost more system calls spliced than copied)
 */
public record ProxyConfig(InetSocketAddress listen, List<UpstreamServer> upstreams, String upstreamName,
        int nextUpstream, int nextUpstreamTries, String platform, boolean buffering,
        long bufferSize, int buffersNum, long buffersSize, long busyBuffersSize, long maxTempFileSize,
        long tempFileWriteSize, Path tempPath, long limitRate, long connectTimeoutMillis, long readTimeoutMillis,
        long sendTimeoutMillis, long clientSendTimeoutMillis, long clientBodyTimeoutMillis, long clientMaxBodySize,
        int workers, boolean accessLog, long keepaliveTimeoutMillis, long headerTimeoutMillis, int headerBufferSize,
        int largeHeaderBuffers, int largeHeaderBufferSize, long workerMemory, boolean status, int maxHeaders,
        int clientSendBuffer, boolean reusePort, int upstreamKeepalive, int upstreamKeepaliveRequests,
        long upstreamKeepaliveTimeoutMillis, boolean requestBuffering, long clientBodyBufferSize,
        boolean splice, long splicePipeSize, long spliceMinSize) {

    /** Idle kernel pipes each worker keeps for splicing (as many as idle upstream connections by default). */
    static final int SPLICE_IDLE_PIPES = 32;

    /** {@code proxy_next_upstream error}: connecting, sending the request or reading the answer's head failed. */
    public static final int NEXT_ERROR = 1;
    /** {@code proxy_next_upstream timeout}: a connect, send or read timeout before the answer's head. */
    public static final int NEXT_TIMEOUT = 2;
    /** {@code proxy_next_upstream invalid_header}: the upstream's head was malformed or too big. */
    public static final int NEXT_INVALID_HEADER = 4;
    /** {@code proxy_next_upstream non_idempotent}: POST, LOCK and PATCH too, once the request went out. */
    public static final int NEXT_NON_IDEMPOTENT = 8;
    /** {@code proxy_next_upstream http_500}: the upstream answered 500 (passed on as is when no try is left). */
    public static final int NEXT_HTTP_500 = 16;
    /** {@code proxy_next_upstream http_502}. */
    public static final int NEXT_HTTP_502 = 32;
    /** {@code proxy_next_upstream http_503}. */
    public static final int NEXT_HTTP_503 = 64;
    /** {@code proxy_next_upstream http_504}. */
    public static final int NEXT_HTTP_504 = 128;
    private static final int NEXT_ALL = NEXT_ERROR | NEXT_TIMEOUT | NEXT_INVALID_HEADER | NEXT_NON_IDEMPOTENT
            | NEXT_HTTP_500 | NEXT_HTTP_502 | NEXT_HTTP_503 | NEXT_HTTP_504;

    /** The {@code NEXT_HTTP_*} bit for an upstream's status, 0 for a status that is never passed on. */
    static int nextUpstreamStatus(int status) {
        return switch (status) {
            case 500 -> NEXT_HTTP_500;
            case 502 -> NEXT_HTTP_502;
            case 503 -> NEXT_HTTP_503;
            case 504 -> NEXT_HTTP_504;
            default -> 0;
        };
    }

    /**
     * nginx's {@code proxy_next_upstream} from its words ({@code error timeout invalid_header http_500 http_502
     * http_503 http_504 non_idempotent off}), separated by spaces or commas.
     */
    public static int nextUpstream(String words) {
        int mask = 0;
        boolean off = false;
        for (String w : words.trim().split("[\\s,]+")) {
            switch (w) {
                case "error" -> mask |= NEXT_ERROR;
                case "timeout" -> mask |= NEXT_TIMEOUT;
                case "invalid_header" -> mask |= NEXT_INVALID_HEADER;
                case "non_idempotent" -> mask |= NEXT_NON_IDEMPOTENT;
                case "http_500" -> mask |= NEXT_HTTP_500;
                case "http_502" -> mask |= NEXT_HTTP_502;
                case "http_503" -> mask |= NEXT_HTTP_503;
                case "http_504" -> mask |= NEXT_HTTP_504;
                case "off" -> off = true;
                default -> throw new IllegalArgumentException("invalid value \"" + w + "\" in \"proxy_next_upstream\""
                        + " (error, timeout, invalid_header, http_500, http_502, http_503, http_504, non_idempotent"
                        + " or off)");
            }
        }
        if (off && mask != 0) {
            throw new IllegalArgumentException("\"proxy_next_upstream\" off cannot go with other values: " + words);
        }
        return mask;
    }

    /**
     * One upstream server, nginx's {@code server ADDRESS weight=N max_fails=N fail_timeout=TIME}, with its defaults
     * (1, 1, 10s); {@code max_fails} 0 never takes it out.
     */
    public record UpstreamServer(InetSocketAddress address, int weight, int maxFails, long failTimeoutMillis) {

        public UpstreamServer {
            java.util.Objects.requireNonNull(address, "address");
            if (weight < 1) {
                throw new IllegalArgumentException("invalid weight " + weight + " for upstream " + address);
            }
            if (maxFails < 0) {
                throw new IllegalArgumentException("invalid max_fails " + maxFails + " for upstream " + address);
            }
            if (failTimeoutMillis < 0) {
                throw new IllegalArgumentException("invalid fail_timeout " + failTimeoutMillis + " for upstream "
                        + address);
            }
        }

        /** nginx's defaults: weight 1, max_fails 1, fail_timeout 10s. */
        public static UpstreamServer of(InetSocketAddress address) {
            return new UpstreamServer(address, 1, 1, 10_000);
        }

        /**
         * {@code HOST:PORT[,weight=N][,max_fails=N][,fail_timeout=TIME]}, TIME as nginx writes it ({@code 10s}).
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        public static UpstreamServer parse(String spec) {
            String[] parts = spec.split(",");
            InetSocketAddress address = hostPort(parts[0].trim(), spec);
            int weight = 1;
            int maxFails = 1;
            long failTimeout = 10_000;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq);
                String value = eq < 0 ? "" : p.substring(eq + 1);
                try {
                    switch (key) {
                        case "weight" -> weight = Integer.parseInt(value);
                        case "max_fails" -> maxFails = Integer.parseInt(value);
                        case "fail_timeout" -> failTimeout = Sizes.millis(value);
                        default -> throw new IllegalArgumentException("unknown upstream parameter \"" + p
                                + "\" in \"" + spec + "\" (weight=, max_fails=, fail_timeout=)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid " + key + " \"" + value + "\" in upstream \"" + spec
                            + "\"", e);
                }
            }
            return new UpstreamServer(address, weight, maxFails, failTimeout);
        }

        private static InetSocketAddress hostPort(String hostPort, String spec) {
            try {
                return Addresses.parse(hostPort);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("an upstream " + e.getMessage() + " (in \"" + spec + "\")", e);
            }
        }

        /** {@code HOST:PORT} (an IPv6 host in brackets): the server as logs and the default {@code Host} name it. */
        public String name() {
            String host = address.getHostString();
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + address.getPort() : host + ":" + address.getPort();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings one by one, starting from nginx's defaults; {@link #build()} checks them as nginx does. */
    public static final class Builder extends ServerSettings<Builder> {
        private final List<UpstreamServer> upstreams = new ArrayList<>();
        private String upstreamName;
        private int nextUpstream = NEXT_ERROR | NEXT_TIMEOUT;
        private int nextUpstreamTries;
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
        private long clientBodyTimeoutMillis = 60_000;
        private int clientSendBuffer;
        private int upstreamKeepalive = 32;
        private int upstreamKeepaliveRequests = 1000;
        private long upstreamKeepaliveTimeoutMillis = 60_000;
        private boolean requestBuffering = true;
        private long clientBodyBufferSize = 16 * 1024;
        private boolean splice = true;
        private long splicePipeSize = 64 * 1024;
        private long spliceMinSize = 16 * 1024;

        Builder() {
            super(new InetSocketAddress("127.0.0.1", 8081));
        }

        /** Adds an upstream server with nginx's defaults (weight 1, max_fails 1, fail_timeout 10s). */
        public Builder upstream(InetSocketAddress v) {
            return upstream(UpstreamServer.of(v));
        }

        /** Adds an upstream server; several form a balanced group. */
        public Builder upstream(UpstreamServer v) {
            upstreams.add(java.util.Objects.requireNonNull(v, "upstream"));
            return this;
        }

        /** The {@code Host} sent upstream (nginx's upstream block name); by default the first server's. */
        public Builder upstreamName(String v) {
            if (v == null || v.isEmpty() || v.chars().anyMatch(ch -> ch <= ' ' || ch >= 0x7f)) {
                throw new IllegalArgumentException("invalid upstream name \"" + v + "\"");
            }
            upstreamName = v;
            return this;
        }

        /** nginx's {@code proxy_next_upstream}: a mask of {@code NEXT_*}, 0 for off. */
        public Builder nextUpstream(int mask) {
            if ((mask & ~NEXT_ALL) != 0) {
                throw new IllegalArgumentException("unknown proxy_next_upstream bits: " + mask);
            }
            nextUpstream = mask;
            return this;
        }

        /** nginx's {@code proxy_next_upstream_tries}: most servers one request tries, 0 for all of them. */
        public Builder nextUpstreamTries(int v) {
            nextUpstreamTries = (int) atLeast("proxy_next_upstream_tries", v, 0);
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

        public Builder clientBodyTimeoutMillis(long v) {
            clientBodyTimeoutMillis = atLeast("client_body_timeout", v, 1);
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

        /**
         * nginx's {@code proxy_request_buffering}: on (the default), a request body is read whole (into
         * {@link #clientBodyBufferSize} bytes of memory, the rest into a temp file in {@link #tempPath}) before an
         * upstream server is chosen, so a slow client holds no upstream connection; off, it streams to the upstream.
         */
        public Builder requestBuffering(boolean v) {
            requestBuffering = v;
            return this;
        }

        /**
         * nginx's {@code client_body_buffer_size}: memory for a buffered request body before it spills to a file;
         * at most 1 GiB, the largest buffer a worker's memory hands out.
         */
        public Builder clientBodyBufferSize(long v) {
            if (v > 1L << 30) {
                throw new IllegalArgumentException("\"client_body_buffer_size\" must be at most 1g, not " + v);
            }
            clientBodyBufferSize = atLeast("client_body_buffer_size", v, 1);
            return this;
        }

        /** Zero-copy relay of response bodies where the platform can splice (on by default). */
        public Builder splice(boolean v) {
            splice = v;
            return this;
        }

        /** The size of each kernel pipe for splicing, 4k to 1g (the kernel rounds it up to a power of two pages). */
        public Builder splicePipeSize(long v) {
            splicePipeSize = atLeast("splice pipe size", v, 4096);
            if (v > 1L << 30) {
                throw new IllegalArgumentException("\"splice pipe size\" must be at most 1g, not " + v);
            }
            return this;
        }

        /** The fewest body bytes still to read after the head for a response to be spliced (0: any). */
        public Builder spliceMinSize(long v) {
            spliceMinSize = atLeast("splice min size", v, 0);
            return this;
        }

        public Builder clientSendBuffer(int v) {
            clientSendBuffer = (int) atLeast("sndbuf", v, 0);
            return this;
        }

        /**
         * Checks the buffer sizes the way nginx checks its {@code proxy_*} directives and fills in the derived
         * defaults (busy buffers and temp file write size: twice the larger of a buffer and the head buffer).
         *
         * @throws IllegalArgumentException naming the directive and the limit it breaks
         */
        public ProxyConfig build() {
            if (upstreams.isEmpty()) {
                throw new IllegalArgumentException("an upstream is required");
            }
            if (upstreams.size() > 1024) {
                throw new IllegalArgumentException("too many upstream servers: " + upstreams.size() + " (1024 at most)");
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
            String name = upstreamName != null ? upstreamName : upstreams.get(0).name();
            return new ProxyConfig(listen, List.copyOf(upstreams), name, nextUpstream, nextUpstreamTries, platform, buffering, bufferSize, buffersNum, buffersSize, busy,
                    maxTempFileSize, writeSize, tempPath, limitRate, connectTimeoutMillis, readTimeoutMillis,
                    sendTimeoutMillis, clientSendTimeoutMillis, clientBodyTimeoutMillis, clientMaxBodySize, workers,
                    accessLog, keepaliveTimeoutMillis, headerTimeoutMillis, headerBufferSize, largeHeaderBuffers,
                    largeHeaderBufferSize, workerMemory, status, maxHeaders, clientSendBuffer, reusePort,
                    upstreamKeepalive, upstreamKeepaliveRequests, upstreamKeepaliveTimeoutMillis, requestBuffering,
                    clientBodyBufferSize, splice, splicePipeSize, spliceMinSize);
        }
    }
}
