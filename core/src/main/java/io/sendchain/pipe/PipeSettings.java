package io.sendchain.pipe;

/**
 * An event pipe's settings, nginx's proxy directives and {@code ngx_event_pipe_t} fields, checked once when they
 * are made: a bad value fails here with an {@link IllegalArgumentException} naming the setting and the value, never
 * in the middle of a response.
 *
 * @param bufsNum           {@code proxy_buffers N}: raw bufs to read into, at least two, as nginx requires
 * @param bufsSize          {@code proxy_buffers SIZE}: bytes of each raw buf
 * @param busySize          {@code proxy_busy_buffers_size}: most recycled bytes in flight to the downstream; at
 *                          least one buffer and at most all buffers but one
 * @param maxTempFileSize   {@code proxy_max_temp_file_size}: 0 disables spilling
 * @param tempFileWriteSize {@code proxy_temp_file_write_size}: most bytes written to the temp file at once
 * @param cyclicTempFile    {@code p->cyclic_temp_file}: write the temp file from its start again once everything
 *                          in it was sent
 * @param singleBuf         {@code p->single_buf}: read into one raw buf at a time
 * @param limitRate         {@code proxy_limit_rate}: bytes per second read from the upstream, 0 for no limit
 * @param readTimeout       {@code proxy_read_timeout}, milliseconds
 * @param sendTimeout       {@code send_timeout}, milliseconds
 */
public record PipeSettings(int bufsNum, long bufsSize, long busySize, long maxTempFileSize, long tempFileWriteSize,
        boolean cyclicTempFile, boolean singleBuf, long limitRate, long readTimeout, long sendTimeout) {

    public PipeSettings {
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
        nonNegative("max temp file size", maxTempFileSize);
        nonNegative("temp file write size", tempFileWriteSize);
        nonNegative("limit rate", limitRate);
        nonNegative("read timeout", readTimeout);
        nonNegative("send timeout", sendTimeout);
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

        public Builder bufs(int num, long size) {
            checkBufs(num, size);
            this.bufsNum = num;
            this.bufsSize = size;
            return this;
        }

        public Builder busySize(long size) {
            this.busySize = nonNegative("busy size", size);
            return this;
        }

        public Builder maxTempFileSize(long size) {
            this.maxTempFileSize = nonNegative("max temp file size", size);
            return this;
        }

        public Builder tempFileWriteSize(long size) {
            this.tempFileWriteSize = nonNegative("temp file write size", size);
            return this;
        }

        public Builder cyclicTempFile(boolean on) {
            this.cyclicTempFile = on;
            return this;
        }

        public Builder singleBuf(boolean on) {
            this.singleBuf = on;
            return this;
        }

        public Builder limitRate(long bytesPerSecond) {
            this.limitRate = nonNegative("limit rate", bytesPerSecond);
            return this;
        }

        public Builder timeouts(long readMillis, long sendMillis) {
            this.readTimeout = nonNegative("read timeout", readMillis);
            this.sendTimeout = nonNegative("send timeout", sendMillis);
            return this;
        }

        /** @throws IllegalArgumentException when the busy size does not fit the bufs */
        public PipeSettings build() {
            long busy = busySize >= 0 ? busySize : Math.min(2 * bufsSize, (bufsNum - 1) * bufsSize);
            return new PipeSettings(bufsNum, bufsSize, busy, maxTempFileSize, tempFileWriteSize, cyclicTempFile,
                    singleBuf, limitRate, readTimeout, sendTimeout);
        }
    }
}
