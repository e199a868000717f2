package io.sendchain.spi;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * What a provider makes: sockets whose I/O functions (recv, recvChain, send, sendChain) are the platform's, and
 * the readiness driver for event loops. Thread-safe to create sockets and drivers from any thread; each socket
 * and driver then belongs to one loop.
 */
public interface Platform extends AutoCloseable {

    /** The provider's name. */
    String name();

    /** The page size of {@link #pageSize()} when the platform cannot ask the kernel: 4096. */
    long DEFAULT_PAGE_SIZE = 4096;

    /**
     * The page size this platform's send chain rounds a file run up to when the call's limit cuts it (nginx's
     * {@code ngx_pagesize} in {@code ngx_chain_coalesce_file}; a {@link FileRun} made with it does the rounding):
     * a power of two, and the most a call of the send chain may send past its limit, minus one. The contract
     * suite ({@code io.sendchain.testkit.SendChainContract}) holds the send chain to it.
     *
     * <p>A platform with native access returns the kernel's ({@code sysconf(_SC_PAGESIZE)}: 4096 on x86-64,
     * 4096, 16384 or 65536 on arm64 Linux, 16384 on Apple silicon); by default {@link #DEFAULT_PAGE_SIZE}, for a
     * platform that cannot ask (pure Java, as {@code generic}) and rounds to 4096.
     */
    default long pageSize() {
        return DEFAULT_PAGE_SIZE;
    }

    /** A readiness driver for one event loop. */
    IoDriver newDriver() throws IOException;

    /** A non-blocking listening socket bound to {@code address} with {@code SO_REUSEADDR}. */
    ListenSocket listen(InetSocketAddress address, int backlog) throws IOException;

    /**
     * Whether {@link #listen(InetSocketAddress, int, boolean) listen(address, backlog, true)} works here: several
     * sockets may then listen on the same address and the kernel spreads new connections among them (Linux's
     * {@code SO_REUSEPORT}), so each event loop can accept from its own socket (nginx's {@code listen ...
     * reuseport}). By default not: an option that only lets sockets share the address without balancing
     * (classic BSD {@code SO_REUSEPORT}) does not count.
     */
    default boolean supportsReusePort() {
        return false;
    }

    /**
     * A non-blocking listening socket bound to {@code address} with {@code SO_REUSEADDR} and, if
     * {@code reusePort}, with {@code SO_REUSEPORT} set before the bind, so that other sockets bound the same way
     * to the same address share its connections. To bind a group to a port chosen by the system, bind the first
     * to port 0 and the others to its {@link ListenSocket#localAddress()}.
     *
     * @throws UnsupportedOperationException if {@code reusePort} is asked for and {@link #supportsReusePort()}
     *         is {@code false}
     */
    default ListenSocket listen(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        if (reusePort) {
            throw new UnsupportedOperationException("the " + name() + " platform cannot listen with SO_REUSEPORT");
        }
        return listen(address, backlog);
    }

    /**
     * Whether {@link #newSplicer} works here: this platform can move bytes between two of its stream sockets
     * through a kernel pipe without copying them to user memory (Linux's {@code splice(2)}). By default not; a
     * caller then relays through memory.
     */
    default boolean supportsSplice() {
        return false;
    }

    /**
     * A {@link Splicer} for one event loop, whose new pipes get {@code pipeSize} bytes (the kernel may round it up,
     * or refuse a size past its limit and keep its default) and which keeps up to {@code maxIdlePipes} empty pipes
     * for reuse. The caller owns it and closes it when the loop stops.
     *
     * @throws UnsupportedOperationException if {@link #supportsSplice()} is {@code false}
     * @throws IllegalArgumentException if {@code pipeSize < 4096} or {@code maxIdlePipes < 0}
     */
    default Splicer newSplicer(long pipeSize, int maxIdlePipes) {
        throw new UnsupportedOperationException("the " + name() + " platform cannot splice");
    }

    /**
     * Starts a non-blocking connect to {@code address}. The socket's write event fires when the connect is done;
     * then call {@link StreamSocket#finishConnect}.
     */
    StreamSocket connect(InetSocketAddress address) throws IOException;

    /**
     * Takes over a connected {@link SocketChannel} the caller already holds, so this platform's send chain can be
     * used on it. The channel is switched to non-blocking mode.
     *
     * @throws IOException if this platform cannot use the channel, saying why
     */
    StreamSocket adopt(SocketChannel channel) throws IOException;

    /**
     * Opens {@code path} for reading in the way this platform sends files best (for example with a native
     * descriptor for {@code sendfile}). The returned ref owns what it opened. Open files to be sent this way: a
     * {@link FileRef} opened by Java code ({@link FileRef#open}) has no such handle, so the linux platform copies it
     * through a buffer (warning once per file) and the FreeBSD and macOS ones refuse it.
     *
     * @throws IOException naming the file and the error ({@code "open() \"/x\" failed: No such file or directory"})
     */
    FileRef openFile(Path path) throws IOException;

    /**
     * Looks at the file {@code path} names, as {@code lstat(2)} does ({@code stat(2)} when {@code followLinks}), and
     * writes what it finds into {@code out} (type, size, modification time and, where the platform knows it, the
     * file's identity: {@link FileStat#key}): for a server that looks at a file for every request, so a missing file
     * is an {@link FileStat.Outcome} rather than an exception, and a platform with native access makes no garbage
     * for it (Java's {@code Files.readAttributes} makes attributes, a path's bytes, and a stack trace for each
     * missing file). {@code out} is changed only when the outcome is {@link FileStat.Outcome#FOUND}, but for its
     * error number. By default through {@code java.nio.file}, with the same outcomes.
     */
    default FileStat.Outcome stat(Path path, boolean followLinks, FileStat out) {
        try {
            BasicFileAttributes a = followLinks ? Files.readAttributes(path, BasicFileAttributes.class)
                    : Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            FileStat.Type type = a.isRegularFile() ? FileStat.Type.REGULAR
                    : a.isDirectory() ? FileStat.Type.DIRECTORY
                    : a.isSymbolicLink() ? FileStat.Type.SYMBOLIC_LINK : FileStat.Type.OTHER;
            Instant t = a.lastModifiedTime().toInstant();
            out.found(type, a.size(), t.getEpochSecond(), t.getNano()).key(a.fileKey());
            return FileStat.Outcome.FOUND;
        } catch (NoSuchFileException e) {
            return FileStat.Outcome.NOT_FOUND;
        } catch (AccessDeniedException | SecurityException e) {
            return FileStat.Outcome.ACCESS_DENIED;
        } catch (FileSystemException e) {
            // nginx's ngx_http_static_handler: ENOENT, ENOTDIR and ENAMETOOLONG are "not found"
            String why = String.valueOf(e.getReason());
            out.failed(0);
            return why.contains("Not a directory") || why.contains("File name too long") ? FileStat.Outcome.NOT_FOUND
                    : FileStat.Outcome.ERROR;
        } catch (IOException e) {
            out.failed(0);
            return FileStat.Outcome.ERROR;
        }
    }

    /** Releases what the platform holds (thread pools); sockets and drivers are closed by their owners. */
    @Override
    void close() throws IOException;
}
