package io.sendchain.output;

import io.sendchain.buf.Buf;
import io.sendchain.buf.FileRef;
import io.sendchain.event.Connection;
import io.sendchain.internal.BufAccess;
import io.sendchain.internal.jfr.Flight;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@link FileReadHook} of {@link FileReadHook#threadPool}, which reads on an {@link Executor}: nginx's
 * {@code aio threads} for the copy filter ({@code ngx_thread_read}). Each file gets one task object, kept in the
 * file ref's read-task slot and reused for all its reads; at most one read per file is in flight.
 */
final class ThreadPoolFileReader implements FileReadHook {

    private final Executor executor;

    ThreadPoolFileReader(Executor executor) {
        if (executor == null) {
            throw new IllegalArgumentException("executor must not be null");
        }
        this.executor = executor;
    }

    @Override
    public long read(FileRef file, FileChannel channel, Buf dst, long position, long size, Runnable done) throws IOException {
        Task task = BufAccess.readTask(file) instanceof Task t ? t : null;
        if (task == null) {
            task = new Task(file);
            BufAccess.readTask(file, task);
        }
        if (task.complete) {
            // collect the finished read; the output chain repeats the call that started it
            task.complete = false;
            task.running = false;
            if (task.position != position || task.size != size || task.dst != dst || task.offset != dst.pos()) {
                throw new IllegalStateException("read collected for " + position + "+" + size
                        + " but started for " + task.position + "+" + task.size + " of " + file);
            }
            task.dst = null;
            task.channel = null;
            IOException failure = task.failure;
            task.failure = null;
            if (failure != null) {
                throw failure;
            }
            return task.nbytes;
        }
        if (task.running) {
            throw new IllegalStateException("a read of " + file + " is already in flight");
        }
        task.running = true;
        task.dst = dst;
        task.channel = channel;
        task.offset = dst.pos();
        task.position = position;
        task.size = size;
        task.done = done;
        task.queued = Flight.queued();
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.running = false;
            task.dst = null;
            throw new IOException("thread pool rejected the read of " + file, e);
        }
        return Connection.AGAIN;
    }

    /** One file's read task; its fields are published to the loop thread through {@code complete}. */
    private static final class Task implements Runnable {
        private final FileRef file;
        private Buf dst;
        private FileChannel channel;
        private long offset;
        private long position;
        private long size;
        private Runnable done;
        private long nbytes;
        private IOException failure;
        /** The flight recorder's queue-wait token, {@code null} when not recorded. */
        private Object queued;
        private boolean running;
        private volatile boolean complete;

        Task(FileRef file) {
            this.file = file;
        }

        @Override
        public void run() {
            Object q = queued;
            queued = null;
            Flight.started(q, "file read", size);
            try {
                nbytes = FileReads.readFully(file, channel, dst.nioView(), offset, position, size);
            } catch (IOException e) {
                failure = e;
            }
            complete = true;
            done.run();
        }
    }
}
