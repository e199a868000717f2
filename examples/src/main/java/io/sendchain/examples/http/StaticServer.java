package io.sendchain.examples.http;

import io.sendchain.buf.FileRef;
import io.sendchain.event.Connection;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.EventLoop;
import io.sendchain.output.FileReadHook;
import io.sendchain.spi.NoPlatformException;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import io.sendchain.spi.StandardPlatformOptions;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A static file server on sendchain, the way nginx serves files: the static handler opens the file and makes a
 * file buf, the copy filter's output chain passes it on (or copies it when sendfile is off), the chain writer
 * calls the platform's send chain. One event loop per worker, each accepting on its own SO_REUSEPORT listener
 * where the platform balances them, or the first worker accepting and handing connections round-robin to all.
 */
public final class StaticServer extends AbstractHttpServer {

    private final StaticConfig config;
    private final ExecutorService readPool;

    /** A worker of the static server: its loop, and the file lookups and open file cache its sessions share. */
    final class StaticWorker extends Worker {
        final FileLookup lookup = new FileLookup(config.root(), config.symlinksOutsideRoot(),
                StaticServer.this.platform());
        /** The files request targets name, resolved once. */
        final Targets targets = new Targets(config.root(), config.symlinksOutsideRoot());
        /** nginx's open_file_cache for this worker's responses, or {@code null} when off. */
        final OpenFileCache files = config.openFileCache() == null ? null
                : new OpenFileCache(lookup, config.sendfile() ? StaticServer.this.platform()::openFile : FileRef::open,
                        config.openFileCache());
        /** Without the cache: the head bytes of recently served files, formatted again only when they change. */
        final FileMetas metas = new FileMetas();

        StaticWorker(EventLoop loop) {
            super(StaticServer.this, loop);
            FileCacheEvents.watch(loop.name(), files); // JFR: sendchain.FileCacheStatistics
        }
    }

    /** Chooses the platform (explicit name or the SPI's best) and prepares the workers; {@link #start()} listens. */
    public StaticServer(StaticConfig config) throws IOException {
        this(config, platformConfig(config));
    }

    private StaticServer(StaticConfig config, PlatformConfig pc) throws IOException {
        super(config.listen(), pc, config.workers(), new AbstractHttpSession.Limits(config.headerBufferSize(),
                config.largeHeaderBuffers(), config.largeHeaderBufferSize(), config.maxHeaders(),
                config.headerTimeoutMillis(), config.keepaliveTimeoutMillis(), config.accessLog(), config.status(),
                config.clientMaxBodySize(), config.lingeringTimeMillis(), config.lingeringTimeoutMillis()));
        this.config = config;
        this.readPool = config.aioThreads() > 0 ? Executors.newFixedThreadPool(config.aioThreads(), r -> {
            Thread t = new Thread(r, "sendchain-read");
            t.setDaemon(true);
            return t;
        }) : null;
        createWorkers();
    }

    private static PlatformConfig platformConfig(StaticConfig config) throws NoPlatformException {
        PlatformConfig pc = PlatformConfig.defaults().withPlatform(config.platform());
        // a platform refuses options it does not declare: give it only those it has. aio threads still reads
        // files on the server's own pool everywhere; more.max is linux's (named as text: the examples name no
        // platform class), and --msg-more-max is documented as Linux only
        PlatformRegistry.Candidate chosen = PlatformRegistry.load().choose(pc).chosen();
        if (config.aioThreads() > 0 && chosen.supports(StandardPlatformOptions.AIO_THREADS)) {
            pc = pc.with(StandardPlatformOptions.AIO_THREADS, config.aioThreads());
        }
        if (config.msgMoreMax() > 0 && chosen.option("more.max").isPresent()) {
            pc = pc.with("more.max", Long.toString(config.msgMoreMax()));
        }
        return pc;
    }

    @Override
    String threadName() {
        return "sendchain-worker";
    }

    @Override
    Worker newWorker(EventLoop loop) {
        return new StaticWorker(loop);
    }

    @Override
    void configure(StreamSocket s, Connection c) throws IOException {
        if (!config.tcpNopush()) {
            c.nopush(false);
        }
    }

    @Override
    AbstractHttpSession<?, ?> newSession(Worker w) {
        return new HttpSession(this, (StaticWorker) w);
    }

    @Override
    boolean tcpNodelay() {
        return config.tcpNodelay(); // set when a connection is kept alive, as nginx does
    }

    @Override
    long workerMemory() {
        return config.workerMemory();
    }

    @Override
    boolean reusePort() {
        return config.reusePort();
    }

    StaticConfig config() {
        return config;
    }

    FileReadHook readHook() {
        return readPool == null ? null : FileReadHook.threadPool(readPool);
    }

    @Override
    void appendStatus(StringBuilder sb) {
        if (config.openFileCache() == null) {
            return;
        }
        long entries = 0;
        long descriptors = 0;
        long hits = 0;
        long misses = 0;
        long evictions = 0;
        long expirations = 0;
        long invalidations = 0;
        long memoryBytes = 0;
        long memoryFiles = 0;
        long memoryHits = 0;
        long memoryEvictions = 0;
        for (Worker w : workers()) {
            OpenFileCache f = ((StaticWorker) w).files;
            entries += f.entries();
            descriptors += f.descriptors();
            hits += f.hits();
            misses += f.misses();
            evictions += f.evictions();
            expirations += f.expirations();
            invalidations += f.invalidations();
            memoryBytes += f.memoryBytes();
            memoryFiles += f.memoryFiles();
            memoryHits += f.memoryHits();
            memoryEvictions += f.memoryEvictions();
        }
        sb.append("open_file_cache.entries ").append(entries).append('\n');
        sb.append("open_file_cache.descriptors ").append(descriptors).append('\n');
        sb.append("open_file_cache.hits ").append(hits).append('\n');
        sb.append("open_file_cache.misses ").append(misses).append('\n');
        sb.append("open_file_cache.evictions ").append(evictions).append('\n');
        sb.append("open_file_cache.expirations ").append(expirations).append('\n');
        sb.append("open_file_cache.invalidations ").append(invalidations).append('\n');
        sb.append("open_file_cache.memory_bytes ").append(memoryBytes).append('\n');
        sb.append("open_file_cache.memory_files ").append(memoryFiles).append('\n');
        sb.append("open_file_cache.memory_hits ").append(memoryHits).append('\n');
        sb.append("open_file_cache.memory_evictions ").append(memoryEvictions).append('\n');
    }

    /** Descriptors the open file caches of all workers hold open (for leak accounting). */
    int cachedDescriptors() {
        int n = 0;
        for (Worker w : workers()) {
            OpenFileCache f = ((StaticWorker) w).files;
            n += f == null ? 0 : f.descriptors();
        }
        return n;
    }

    @Override
    void closed() {
        for (Worker w : workers()) {
            OpenFileCache f = ((StaticWorker) w).files;
            if (f != null) {
                f.close(); // the loops stopped: their sessions let go of what they held
            }
        }
        if (readPool != null) {
            readPool.shutdownNow();
        }
    }
}
