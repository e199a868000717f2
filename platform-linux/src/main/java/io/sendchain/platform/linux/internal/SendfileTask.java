package io.sendchain.platform.linux.internal;

import io.sendchain.event.Connection;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.Telemetry;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One socket's sendfile task for the thread pool: nginx's {@code ngx_linux_sendfile_thread_handler} with its
 * context. Reused for every send of its socket; never queued twice (the socket posts it only when it is neither
 * running nor holding an uncollected result).
 *
 * <p>Publication: the loop thread writes the inputs before {@code execute} (which orders them); the worker
 * writes {@link #sent}/{@link #err} and then, under the socket's monitor, sets {@code complete} before clearing
 * {@code running}. The loop thread reads {@code running} first and {@code complete} second, so it never mistakes
 * a finished task for an idle one.
 */
final class SendfileTask implements Runnable {

    private final LinuxStreamSocket socket;
    private final LinuxKernel k;
    private final AtomicInteger inRun = new AtomicInteger();
    private Connection connection;
    private Executor poster;
    private LinuxFile in;
    private long offset;
    private long size;
    /** The flight recorder's queue-wait token ({@link Telemetry#queued()}), {@code null} when not recorded. */
    private Object queued;
    /** Bytes sent by the last run. */
    long sent;
    /** errno of the last run, 0 if none. */
    int err;
    private volatile boolean running;
    private volatile boolean complete;

    SendfileTask(LinuxStreamSocket socket) {
        this.socket = socket;
        this.k = socket.platform().kernel();
    }

    boolean running() {
        return running;
    }

    boolean complete() {
        return complete;
    }

    /** The loop took the result. */
    void collected() {
        complete = false;
    }

    void start(Connection c, Executor poster, LinuxFile in, long offset, long size) {
        this.connection = c;
        this.poster = poster;
        this.in = in;
        in.retain(); // the file stays open while the task sends from it, even if the response is abandoned
        this.offset = offset;
        this.size = size;
        this.complete = false;
        this.queued = Telemetry.queued();
        this.running = true;
    }

    /** The pool refused the task: it never ran. */
    void abandon() {
        running = false;
        in.release();
    }

    /** Called under the socket's monitor by {@link LinuxStreamSocket#taskFinished}. */
    void finish() {
        complete = true;
        running = false;
    }

    @Override
    public void run() {
        Object q = queued;
        queued = null;
        Telemetry.started(q, "sendfile", size);
        if (inRun.incrementAndGet() != 1) {
            socket.platform().recordOverlap();
        }
        long rc;
        do {
            rc = k.sendfile(socket.fd(), in.fd(), offset, size);
        } while (rc == -Linux.EINTR);
        in.release();
        if (rc < 0) {
            err = (int) -rc;
            sent = 0;
        } else {
            err = 0;
            sent = rc;
        }
        socket.platform().recordTask();
        inRun.decrementAndGet();
        if (!socket.taskFinished(this) || poster == null) {
            return; // the socket was closed meanwhile: the result is dropped
        }
        Connection c = connection;
        Executor p = poster;
        try {
            p.execute(() -> {
                if (!c.closed()) {
                    DriverEvents.ready(c.write(), true);
                    c.write().post();
                }
            });
        } catch (RejectedExecutionException e) {
            // the loop is stopping and closes the connection itself
        }
    }
}
