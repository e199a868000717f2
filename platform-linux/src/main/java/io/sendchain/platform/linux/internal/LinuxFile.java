package io.sendchain.platform.linux.internal;

import io.sendchain.spi.NativeFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native handle of a file the linux platform opened: its descriptor, for {@code sendfile}.
 *
 * <p>A thread-pool sendfile ({@link SendfileTask}) may still use the descriptor when the response is abandoned
 * and the file closed (a client that went away): closing it then would let the next {@code open} reuse the
 * number while the task sends from it. So the task holds the file while it runs ({@link #retain()},
 * {@link #release()}), and a close asked for meanwhile happens when the last holder lets go.
 *
 * <p>It is its file ref's closer and channel opener too, so opening a file makes no lambdas.
 */
final class LinuxFile implements NativeFile, Closeable, NativeFile.ChannelOpener {

    private static final Logger log = LoggerFactory.getLogger(LinuxFile.class);

    private final int fd;
    private final LinuxKernel k;
    private final String name;
    /** Tasks using the descriptor now; guarded by {@code this}. */
    private int users;
    private boolean closeRequested;
    private boolean closed;

    /** A handle whose close is the caller's business (tests). */
    LinuxFile(int fd) {
        this(fd, null, "fd " + fd);
    }

    LinuxFile(int fd, LinuxKernel k, String name) {
        this.fd = fd;
        this.k = k;
        this.name = name;
    }

    int fd() {
        return fd;
    }

    /** A task starts using the descriptor. */
    synchronized void retain() {
        users++;
    }

    /** A task is done with the descriptor; closes it if a close was asked for meanwhile. */
    void release() {
        boolean closeNow;
        synchronized (this) {
            users--;
            closeNow = users == 0 && closeRequested && !closed;
            if (closeNow) {
                closed = true;
            }
        }
        if (closeNow) {
            int rc = closeFd();
            if (rc < 0) {
                log.warn("close() \"{}\" failed: {}", name, k.strerror(-rc));
            }
        }
    }

    /** Closes the descriptor now, or when the last task using it is done. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (users > 0) {
                closeRequested = true;
                return;
            }
            closed = true;
        }
        int rc = closeFd();
        if (rc < 0) {
            throw new IOException("close() \"" + name + "\" failed: " + k.strerror(-rc));
        }
    }

    /** A Java channel on the same open file (through {@code /proc/self/fd}), for Java code that reads it. */
    @Override
    public FileChannel open() throws IOException {
        return FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ);
    }

    private int closeFd() {
        if (k == null) {
            return 0;
        }
        int rc = k.close(fd);
        return rc == -Linux.EINTR ? 0 : rc;
    }

    @Override
    public String toString() {
        return "LinuxFile[" + name + " fd " + fd + "]";
    }
}
