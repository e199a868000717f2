package io.sendchain.pipe;

/**
 * An event pipe's settings, nginx's proxy directives and {@code ngx_event_pipe_t} fields, checked once when they
 * are made: a bad value fails here with an {@link IllegalArgumentException} naming the setting and the value, never
 * in the middle of a response. Made by {@link #builder()}; immutable.
 */
public final class PipeSettings {

    /** {@code proxy_buffers N}: raw bufs to read into, at least two, as nginx requires. */
    private final int bufsNum;
    /** {@code proxy_buffers SIZE}: bytes of each raw buf. */
    private final long bufsSize;
    /**
     * {@code proxy_busy_buffers_size}: most recycled bytes in flight to the downstream; at least one buffer and at
     * most all buffers but one.
     */
    private final long busySize;
    /** {@code proxy_max_temp_file_size}: 0 disables spilling. */
    private final long maxTempFileSize;
    /** {@code proxy_temp_file_write_size}: most bytes written to the temp file at once. */
    private final long tempFileWriteSize;
    /** {@code p->cyclic_temp_file}: write the temp file from its start again once everything in it was sent. */
    private final boolean cyclicTempFile;
    /** {@code p->single_buf}: read into one raw buf at a time. */
    private final boolean singleBuf;
    /** {@code proxy_limit_rate}: bytes per second read from the upstream, 0 for no limit. */
    private final long limitRate;
    /** {@code proxy_read_timeout}, milliseconds. */
    private final long readTimeout;
    /** {@code send_timeout}, milliseconds. */
    private final long sendTimeout;

    PipeSettings(int bufsNum, long bufsSize, long busySize, long maxTempFileSize, long tempFileWriteSize,
            boolean cyclicTempFile, boolean singleBuf, long limitRate, long readTimeout, long sendTimeout) {
        checkBufs(bufsNum, bufsSize);
        // nginx refuses these busy sizes (ngx_http_proxy_merge_loc_conf): with less, a recycled buf could never be
        // sent; with more, every raw buf could be busy without the busy size forcing a flush, and the pipe would
        // stall
        if (busySize < bufsSize) {
            throw new IllegalArgumentException("busy size (" + busySize + ") must be at least one buffer ("
                    + bufsSize + ")");
        }
        if (busySize > (bufsNum - 1) * bufsSize) {
            throw new IllegalArgumentException("busy size (" + busySize
                    + ") must be less than all buffers minus one (" + (bufsNum - 1) * bufsSize + ")");
        }
        this.bufsNum = bufsNum;
        this.bufsSize = bufsSize;
        this.busySize = busySize;
        this.maxTempFileSize = nonNegative("max temp file size", maxTempFileSize);
        this.tempFileWriteSize = nonNegative("temp file write size", tempFileWriteSize);
        this.cyclicTempFile = cyclicTempFile;
        this.singleBuf = singleBuf;
        this.limitRate = nonNegative("limit rate", limitRate);
        this.readTimeout = nonNegative("read timeout", readTimeout);
        this.sendTimeout = nonNegative("send timeout", sendTimeout);
    }

    int bufsNum() {
        return bufsNum;
    }

    long bufsSize() {
        return bufsSize;
    }

    long busySize() {
        return busySize;
    }

    long maxTempFileSize() {
        return maxTempFileSize;
    }

    long tempFileWriteSize() {
        return tempFileWriteSize;
    }

    boolean cyclicTempFile() {
        return cyclicTempFile;
    }

    boolean singleBuf() {
        return singleBuf;
    }

    long limitRate() {
        return limitRate;
    }

    long readTimeout() {
        return readTimeout;
    }

    long sendTimeout() {
        return sendTimeout;
    }

    /** nginx's defaults: 8 x 4 KiB, two buffers busy, 1 GiB of temp file written 8 KiB at a time, 60 s timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    private static void checkBufs(int num, long size) {
        if (num < 2 || size < 1) {
            throw new IllegalArgumentException("bufs must be at least 2 x 1 byte: " + num + " x " + size);
        }
    }

    private static long nonNegative(String setting, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(setting + " < 0: " + v);
        }
        return v;
    }

    /** Collects settings; each setter checks its own value at once, {@link #build()} how they fit together. */
    public static final class Builder {
        private int bufsNum = 8;
        private long bufsSize = 4096;
        /** -1 until set: then nginx's default, two buffers (at most all buffers but one). */
        private long busySize = -1;
        private long maxTempFileSize = 1L << 30;
        private long tempFileWriteSize = 8192;
        private boolean cyclicTempFile;
        private boolean singleBuf;
        private long limitRate;
        private long readTimeout = 60_000;
        private long sendTimeout = 60_000;

        private Builder() {
        }

        /**
         * {@code proxy_buffers num size}: raw bufs to read into (at least 2) and bytes of each (at least 1).
         *
         * @throws IllegalArgumentException when {@code num < 2} or {@code size < 1}
         */
        public Builder bufs(int num, long size) {
            checkBufs(num, size);
            this.bufsNum = num;
            this.bufsSize = size;
            return this;
        }

        /**
         * {@code proxy_busy_buffers_size}: most recycled bytes in flight to the downstream; by default two buffers
         * (at most all but one). {@link #build()} checks it fits the bufs.
         *
         * @throws IllegalArgumentException when {@code size < 0}
         */
        public Builder busySize(long size) {
            this.busySize = nonNegative("busy size", size);
            return this;
        }

        /**
         * {@code proxy_max_temp_file_size}: most bytes spilled to the temp file, 0 never to spill (default 1 GiB).
         *
         * @throws IllegalArgumentException when {@code size < 0}
         */
        public Builder maxTempFileSize(long size) {
            this.maxTempFileSize = nonNegative("max temp file size", size);
            return this;
        }

        /**
         * {@code proxy_temp_file_write_size}: most bytes written to the temp file at once (default 8 KiB).
         *
         * @throws IllegalArgumentException when {@code size < 0}
         */
        public Builder tempFileWriteSize(long size) {
            this.tempFileWriteSize = nonNegative("temp file write size", size);
            return this;
        }

        /** {@code p->cyclic_temp_file}: write the temp file from its start again once all of it was sent. */
        Builder cyclicTempFile(boolean on) {
            this.cyclicTempFile = on;
            return this;
        }

        /** {@code p->single_buf}: read into one raw buf at a time. */
        Builder singleBuf(boolean on) {
            this.singleBuf = on;
            return this;
        }

        /**
         * {@code proxy_limit_rate}: bytes per second read from the upstream, 0 (the default) for no limit.
         *
         * @throws IllegalArgumentException when {@code bytesPerSecond < 0}
         */
        public Builder limitRate(long bytesPerSecond) {
            this.limitRate = nonNegative("limit rate", bytesPerSecond);
            return this;
        }

        /**
         * {@code proxy_read_timeout} and {@code send_timeout}, milliseconds (default 60 s each).
         *
         * @throws IllegalArgumentException when either is negative
         */
        public Builder timeouts(long readMillis, long sendMillis) {
            this.readTimeout = nonNegative("read timeout", readMillis);
            this.sendTimeout = nonNegative("send timeout", sendMillis);
            return this;
        }

        /**
         * The settings, checked together.
         *
         * @throws IllegalArgumentException when the busy size does not fit the bufs
         */
        public PipeSettings build() {
            long busy = busySize >= 0 ? busySize : Math.min(2 * bufsSize, (bufsNum - 1) * bufsSize);
            return new PipeSettings(bufsNum, bufsSize, busy, maxTempFileSize, tempFileWriteSize, cyclicTempFile,
                    singleBuf, limitRate, readTimeout, sendTimeout);
        }
    }
}
