package io.sendchain.platform.linux.internal;

import io.sendchain.buf.FileRef;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.FileStat;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.Splicer;
import io.sendchain.spi.StandardPlatformOptions;
import io.sendchain.spi.posix.PosixAbi;
import io.sendchain.spi.posix.PosixListenSocket;
import io.sendchain.spi.posix.PosixSockets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The linux platform: sockets and files as native descriptors through {@link LinuxKernel}, epoll, sendfile with
 * TCP_CORK or MSG_MORE ({@link #MORE_MAX}), and optionally sendfile on a thread pool
 * ({@link StandardPlatformOptions#AIO_THREADS}, nginx's {@code aio threads}).
 */
public final class LinuxPlatform implements Platform {

    /**
     * Not from nginx: the most bytes of file a response may end with for its header to go out with
     * {@code MSG_MORE} instead of between {@code TCP_CORK} on and off (two system calls fewer); 0 (default):
     * always cork, as nginx does. Public as {@code LinuxOptions.MORE_MAX}.
     */
    public static final PlatformOption<Long> MORE_MAX = PlatformOption.ofSize("more.max", Long.MAX_VALUE, 0,
            "a header before a file of at most this size goes with MSG_MORE instead of TCP_CORK on/off "
                    + "(two system calls fewer); 0: always cork, as nginx does");

    /** Every option this platform reads: what its provider declares. */
    public static final List<PlatformOption<?>> OPTIONS = List.of(StandardPlatformOptions.AIO_THREADS, MORE_MAX);

    private static final Logger log = LoggerFactory.getLogger(LinuxPlatform.class);

    private final LinuxKernel kernel;
    private final PosixSockets sockets;
    private final long pageSize;
    private final EpollDriver.EpollLayout epollLayout;
    private final ExecutorService sendfilePool;
    private final long moreMax;
    private final ThreadLocal<IoScratch> scratch;
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicLong tasks = new AtomicLong();
    /**
     * Files sent by copying because they have no descriptor ({@link #recordCopy}): each is warned about once. Weak
     * keys compared by identity ({@code FileRef} keeps {@code Object}'s equality), so a closed ref that is no
     * longer referenced leaves; guarded by itself, as loops on several threads send.
     */
    private final Map<FileRef, Boolean> copiedRefs = new WeakHashMap<>();
    private final AtomicLong copiedFiles = new AtomicLong();
    private final AtomicLong copiedBytes = new AtomicLong();
    /** {@link #supportsReusePort()}, once probed. */
    private volatile Boolean reusePort;

    public LinuxPlatform(LinuxKernel kernel, PlatformConfig config) {
        this.kernel = kernel;
        long ps = kernel.sysconf(Linux.SC_PAGESIZE);
        this.pageSize = ps > 0 && (ps & (ps - 1)) == 0 ? ps : 4096;
        this.sockets = new PosixSockets(kernel, Linux.ABI, pageSize, null, PosixSockets.DescriptorSetup.NONE);
        long page = pageSize;
        this.scratch = ThreadLocal.withInitial(() -> new IoScratch(page));
        this.epollLayout = epollLayoutForThisMachine();
        this.moreMax = config.get(MORE_MAX);
        int threads = config.get(StandardPlatformOptions.AIO_THREADS);
        if (threads > 0) {
            AtomicInteger n = new AtomicInteger();
            this.sendfilePool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "sendchain-sendfile-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.sendfilePool = null;
        }
    }

    /** The epoll_event layout of this CPU architecture, or {@code null} if it is not one we know. */
    static EpollDriver.EpollLayout epollLayoutForThisMachine() {
        String arch = System.getProperty("os.arch", "");
        return switch (arch) {
            case "amd64", "x86_64" -> EpollDriver.EpollLayout.X86_64;
            case "aarch64", "arm64" -> EpollDriver.EpollLayout.AARCH64;
            default -> null;
        };
    }

    LinuxKernel kernel() {
        return kernel;
    }

    @Override
    public long pageSize() {
        return pageSize;
    }

    EpollDriver.EpollLayout epollLayout() {
        return epollLayout;
    }

    /** The calling thread's scratch; a send or receive call fetches it once. */
    IoScratch scratch() {
        return scratch.get();
    }

    long moreMax() {
        return moreMax;
    }

    boolean threaded() {
        return sendfilePool != null;
    }

    ExecutorService sendfilePool() {
        return sendfilePool;
    }

    Logger log() {
        return log;
    }

    void recordOverlap() {
        overlaps.incrementAndGet();
    }

    void recordTask() {
        tasks.incrementAndGet();
    }

    /**
     * {@code bytes} of {@code file} went out through the bounce buffer, not sendfile: the file has no descriptor
     * because it was not opened by {@link #openFile}. Zero-copy is off for it, which is easy to miss (the bytes
     * still arrive), so the first copy of each file is a warning and every copy is counted.
     */
    void recordCopy(FileRef file, long bytes) {
        copiedBytes.addAndGet(bytes);
        boolean first;
        synchronized (copiedRefs) {
            first = copiedRefs.putIfAbsent(file, Boolean.TRUE) == null;
        }
        if (first) {
            copiedFiles.incrementAndGet();
            log.warn("\"{}\" has no descriptor for sendfile, so the linux platform sends it by copying it through a "
                    + "buffer (no zero-copy): open files for sending with Platform.openFile, not FileRef.open",
                    file);
        }
    }

    /** Files (open {@code FileRef}s) sent by copying because they had no descriptor; each was warned about once. */
    public long copiedFiles() {
        return copiedFiles.get();
    }

    /** Bytes sent by copying through the bounce buffer instead of sendfile (files without a descriptor). */
    public long copiedBytes() {
        return copiedBytes.get();
    }

    /** Times a socket's sendfile task started while the same task was still running (must stay 0). */
    public int taskOverlaps() {
        return overlaps.get();
    }

    /** Sendfile tasks run on the pool so far. */
    public long tasksRun() {
        return tasks.get();
    }

    PosixSockets sockets() {
        return sockets;
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public IoDriver newDriver() throws IOException {
        return new EpollDriver(this);
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
        return listen(address, backlog, false);
    }

    /**
     * {@code SO_REUSEPORT} (Linux 3.9): the kernel hashes each new connection to one of the sockets bound to the
     * address by the same user. Probed once, on first use, with a socket of our own.
     */
    @Override
    public boolean supportsReusePort() {
        Boolean r = reusePort;
        if (r == null) {
            int fd = kernel.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0);
            r = fd >= 0 && kernel.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1) == 0;
            if (fd >= 0) {
                kernel.close(fd);
            }
            reusePort = r;
        }
        return r;
    }

    /** {@code splice(2)} (Linux 2.6.17) with {@code F_SETPIPE_SZ} (2.6.35): whenever the kernel binding has it. */
    @Override
    public boolean supportsSplice() {
        return kernel instanceof SpliceKernel;
    }

    /** A {@link LinuxSplicer}: {@code splice(2)} through pooled non-blocking pipes of {@code pipeSize} bytes. */
    @Override
    public Splicer newSplicer(long pipeSize, int maxIdlePipes) {
        if (!(kernel instanceof SpliceKernel sk)) {
            throw new UnsupportedOperationException("the linux platform's kernel binding " + kernel
                    + " cannot splice");
        }
        return new LinuxSplicer(this, sk, pipeSize, maxIdlePipes);
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        int fd = sockets.listen(address, backlog,
                reusePort ? new PosixAbi.IntOption(Linux.SOL_SOCKET, Linux.SO_REUSEPORT) : null);
        return new PosixListenSocket(sockets, fd, "accept4",
                lfd -> kernel.accept4(lfd, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC),
                afd -> new LinuxStreamSocket(this, afd, false, null));
    }

    @Override
    public StreamSocket connect(InetSocketAddress address) throws IOException {
        return sockets.connect(address, (fd, pending) -> new LinuxStreamSocket(this, fd, pending, null));
    }

    /**
     * Uses the descriptor of a {@link SocketChannel} the caller holds. The JDK keeps it private: this works only
     * when the JVM opens {@code sun.nio.ch} to us ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, or the
     * module name on the module path). The channel keeps owning the descriptor and closes it.
     */
    @Override
    public StreamSocket adopt(SocketChannel channel) throws IOException {
        if (!channel.isConnected()) {
            throw new IOException("cannot adopt " + channel + ": it is not connected");
        }
        int fd;
        try {
            VarHandle fdVal = MethodHandles.privateLookupIn(channel.getClass(), MethodHandles.lookup())
                    .findVarHandle(channel.getClass(), "fdVal", int.class);
            fd = (int) fdVal.get(channel);
        } catch (IllegalAccessException | NoSuchFieldException | RuntimeException e) {
            throw new IOException("the linux send chain cannot use " + channel + ": the JVM does not grant access "
                    + "to its descriptor (" + e.getMessage() + "); run with --add-opens "
                    + "java.base/sun.nio.ch=" + moduleName() + ", or use the generic platform", e);
        }
        channel.configureBlocking(false);
        return new LinuxStreamSocket(this, fd, false, channel);
    }

    private static String moduleName() {
        Module m = LinuxPlatform.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }

    /**
     * Opens {@code path} with {@code open(2)} for sendfile; a Java channel on the same open file (through
     * {@code /proc/self/fd}) is made only if Java code reads the file.
     */
    @Override
    public FileRef openFile(Path path) throws IOException {
        String name = path.toString();
        int fd = kernel.open(name, Linux.O_RDONLY | Linux.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open() \"" + name + "\" failed: " + kernel.strerror(-fd));
        }
        LinuxFile file = new LinuxFile(fd, kernel, name);
        return NativeFile.fileRef(name, file, file, file);
    }

    /**
     * {@code statx(2)} into the thread's scratch: no exception for a missing file, and no garbage when the path's
     * string is already made (a {@code Path} keeps it) and ASCII.
     */
    @Override
    public FileStat.Outcome stat(Path path, boolean followLinks, FileStat out) {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            return Platform.super.stat(path, followLinks, out); // a path of another file system (zip, in-memory)
        }
        MemorySegment buf = scratch.get().statx;
        int r = kernel.statx(Linux.AT_FDCWD, path.toString(), followLinks ? 0 : Linux.AT_SYMLINK_NOFOLLOW,
                Linux.STATX_TYPE | Linux.STATX_MODE | Linux.STATX_INO | Linux.STATX_SIZE | Linux.STATX_MTIME, buf);
        if (r < 0) {
            return switch (-r) {
                case Linux.ENOENT, Linux.ENOTDIR, Linux.ENAMETOOLONG -> FileStat.Outcome.NOT_FOUND;
                case Linux.EACCES, Linux.EPERM -> FileStat.Outcome.ACCESS_DENIED;
                case Linux.ENOSYS -> Platform.super.stat(path, followLinks, out); // a kernel before 4.11
                default -> {
                    out.failed(-r);
                    yield FileStat.Outcome.ERROR;
                }
            };
        }
        int format = buf.get(ValueLayout.JAVA_SHORT, Linux.STX_MODE) & Linux.S_IFMT;
        FileStat.Type type = format == Linux.S_IFREG ? FileStat.Type.REGULAR
                : format == Linux.S_IFDIR ? FileStat.Type.DIRECTORY
                : format == Linux.S_IFLNK ? FileStat.Type.SYMBOLIC_LINK : FileStat.Type.OTHER;
        out.found(type, buf.get(ValueLayout.JAVA_LONG, Linux.STX_SIZE), buf.get(ValueLayout.JAVA_LONG,
                Linux.STX_MTIME_SEC), buf.get(ValueLayout.JAVA_INT, Linux.STX_MTIME_NSEC))
                .key((long) buf.get(ValueLayout.JAVA_INT, Linux.STX_DEV_MAJOR) << 32
                        | buf.get(ValueLayout.JAVA_INT, Linux.STX_DEV_MINOR) & 0xffffffffL,
                        buf.get(ValueLayout.JAVA_LONG, Linux.STX_INO));
        return FileStat.Outcome.FOUND;
    }

    @Override
    public void close() {
        if (sendfilePool != null) {
            sendfilePool.shutdown();
        }
    }
}
