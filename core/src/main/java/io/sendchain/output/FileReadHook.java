package io.sendchain.output;

import io.sendchain.buf.Buf;
import io.sendchain.buf.FileRef;
import io.sendchain.event.Connection;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executor;

/**
 * Reads file bytes for the output chain off the event loop: nginx's {@code ctx->thread_handler} with
 * {@code ngx_thread_read}.
 *
 * <p>The protocol is nginx's. The first call for a range starts the read and returns {@link Connection#AGAIN} (the
 * library's one would-block value); the
 * output chain then reports {@link Status#AGAIN} and stays blocked ({@link OutputChainContext#aio()}). When
 * the read finishes, the hook runs {@code done} (on its own thread). The owner of the context then, on the
 * loop thread, clears {@code aio} and calls the output chain again, which repeats the call: this time the
 * hook returns the bytes read.
 */
public interface FileReadHook {

    /**
     * Starts or collects a read of {@code size} bytes of {@code file} at {@code position}, through
     * {@code channel} (the file's own channel, or its unaligned channel for an unaligned direct-I/O read), into
     * the memory of {@code dst} from {@code dst.pos()}. The hook may use {@code dst}'s {@link Buf#nioView()}
     * until it runs {@code done}.
     *
     * @return the bytes read (fewer than {@code size} only at end of file), or {@link Connection#AGAIN} when the read was started and is not finished
     * @throws IOException if the read failed, naming the file
     */
    long read(FileRef file, FileChannel channel, Buf dst, long position, long size, Runnable done) throws IOException;

    /**
     * A hook that reads on {@code executor}: nginx's {@code aio threads} for the copy filter
     * ({@code ngx_thread_read}). Each file keeps one task object for all its reads; at most one read per file is
     * in flight.
     *
     * @throws IllegalArgumentException if {@code executor} is {@code null}
     */
    static FileReadHook threadPool(Executor executor) {
        return new ThreadPoolFileReader(executor);
    }
}
