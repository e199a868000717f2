package io.sendchain.buf;

import io.sendchain.internal.BufAccess;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An open file that bufs point into: nginx's {@code ngx_file_t}.
 *
 * <p>{@code channel} is the channel positional reads and {@code transferTo} use. When the file was opened for
 * direct I/O ({@link #directio()}), {@code unalignedChannel} is a second, ordinary channel on the same file:
 * nginx switches {@code O_DIRECT} off around a read that is not sector-aligned
 * ({@code ngx_directio_off}/{@code ngx_directio_on}); a Java channel cannot change its open mode, so the
 * unaligned read goes through the second channel instead.
 *
 * <p>A package-private slot is what nginx calls {@code file->thread_task}: the output package's thread-pool reader
 * keeps its per-file task there so a file reuses one task object for all its reads.
 *
 * <p>A platform may open the file itself ({@code Platform.openFile}) and keep its own handle, an
 * {@code io.sendchain.spi.NativeFile} (for example a descriptor for {@code sendfile}); then the channel is opened
 * only when something reads the file through Java, and closing the ref releases both.
 *
 * <p>Closing is idempotent.
 */
public final class FileRef implements Closeable {

    private FileChannel channel;
    private FileChannel unalignedChannel;
    private final BufAccess.ChannelOpener opener;
    private final String name;
    private final boolean directio;
    private final boolean owned;
    private final Object nativeHandle;
    private final Closeable nativeCloser;
    private Object readTask;
    private boolean closed;

    private FileRef(FileChannel channel, FileChannel unalignedChannel, String name, boolean directio, boolean owned) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.unalignedChannel = unalignedChannel;
        this.opener = null;
        this.name = Objects.requireNonNull(name, "name");
        this.directio = directio;
        this.owned = owned;
        this.nativeHandle = null;
        this.nativeCloser = null;
    }

    private FileRef(String name, Object nativeHandle, Closeable nativeCloser, BufAccess.ChannelOpener opener) {
        this.name = Objects.requireNonNull(name, "name");
        this.nativeHandle = Objects.requireNonNull(nativeHandle, "nativeHandle");
        this.nativeCloser = Objects.requireNonNull(nativeCloser, "nativeCloser");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.directio = false;
        this.owned = true;
    }

    /**
     * A file a platform opened itself: {@code nativeHandle} is the platform's own handle (opaque to core),
     * {@code nativeCloser} releases it, {@code opener} makes a channel on the same open file if Java code reads
     * it. The ref owns all of them.
     */
    static FileRef ofNative(String name, Object nativeHandle, Closeable nativeCloser, BufAccess.ChannelOpener opener) {
        return new FileRef(name, nativeHandle, nativeCloser, opener);
    }

    /**
     * Opens {@code path} for reading. The returned ref owns the channel and closes it. To send the file through a
     * platform's send chain, open it with {@code Platform.openFile} instead: this ref has no native descriptor, so
     * {@code sendfile} cannot take it.
     */
    public static FileRef open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        return new FileRef(ch, ch, path.toString(), false, true);
    }

    /**
     * Opens {@code path} for direct I/O reads ({@code O_DIRECT} through
     * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}) plus an ordinary channel for unaligned reads.
     *
     * @throws IOException if the file system refuses direct I/O (tmpfs does), naming the file
     */
    public static FileRef openDirect(Path path) throws IOException {
        FileChannel direct;
        try {
            direct = FileChannel.open(path, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("open(\"" + path + "\", O_DIRECT) failed: " + e.getMessage(), e);
        }
        FileChannel plain;
        try {
            plain = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            direct.close();
            throw e;
        }
        return new FileRef(direct, plain, path.toString(), true, true);
    }

    /** Wraps a channel the caller keeps owning; {@link #close()} will not close it. */
    static FileRef of(FileChannel channel, String name) {
        return new FileRef(channel, channel, name, false, false);
    }

    /**
     * Wraps a channel the caller keeps owning and marks it as a direct-I/O file, so the output chain reads
     * it through aligned buffers. {@code unaligned} serves reads that are not aligned.
     */
    static FileRef ofDirect(FileChannel channel, FileChannel unaligned, String name) {
        return new FileRef(channel, unaligned, name, true, false);
    }

    /** The channel for positional reads and {@code transferTo}; opened on first use for native refs. */
    public FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch == null) {
            if (closed) {
                throw new IOException("file \"" + name + "\" is closed");
            }
            ch = opener.open();
            channel = ch;
            unalignedChannel = ch;
        }
        return ch;
    }

    /** The channel for a read that does not meet the direct-I/O alignment rules. */
    FileChannel unalignedChannel() throws IOException {
        return unalignedChannel != null ? unalignedChannel : channel();
    }

    /** The platform's own handle for a natively opened file, or {@code null}. */
    Object nativeHandle() {
        return nativeHandle;
    }

    /** The file's name, for logs and error messages. */
    String name() {
        return name;
    }

    /** The file was opened for direct I/O: reads must be aligned, sendfile is not used. */
    boolean directio() {
        return directio;
    }

    /** Current size of the file. */
    public long size() throws IOException {
        return channel().size();
    }

    /** The asynchronous read hook's per-file state (nginx's {@code file->thread_task}). */
    Object readTask() {
        return readTask;
    }

    void readTask(Object task) {
        this.readTask = task;
    }

    /** The ref is not closed and its channel, if opened, is open. */
    boolean isOpen() {
        return !closed && (channel == null || channel.isOpen());
    }

    /** Closes what the ref owns (its channels, the native handle); idempotent. */
    @Override
    public void close() throws IOException {
        if (closed || !owned) {
            closed = true;
            return;
        }
        closed = true;
        try {
            if (channel != null) {
                channel.close();
            }
        } finally {
            try {
                if (unalignedChannel != null && unalignedChannel != channel) {
                    unalignedChannel.close();
                }
            } finally {
                if (nativeCloser != null) {
                    nativeCloser.close();
                }
            }
        }
    }

    /** The file's name, for logs and error messages. */
    @Override
    public String toString() {
        return name;
    }
}
