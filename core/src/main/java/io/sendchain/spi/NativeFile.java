package io.sendchain.spi;

import io.sendchain.buf.FileRef;
import io.sendchain.internal.BufAccess;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A platform's own handle on a file it opened ({@code Platform.openFile}), for example the descriptor its send
 * chain gives {@code sendfile}. Platforms implement it on their handle type, wrap the handle in a {@link FileRef}
 * with {@link #fileRef} and find it again in their send chain with {@link #of}; to core and to users it is opaque.
 */
public interface NativeFile {

    /** Opens a channel on the same open file, for Java code that reads it (the output chain's copies). */
    @FunctionalInterface
    interface ChannelOpener {
        /** Opens the channel; called at most once, when Java code first reads the file. */
        FileChannel open() throws IOException;
    }

    /**
     * A file ref over {@code handle}: {@code closer} releases the handle, {@code opener} makes a channel on the
     * same open file if Java code reads it. The ref owns all three and closing it releases them.
     *
     * @throws IllegalArgumentException if an argument is {@code null}
     */
    static FileRef fileRef(String name, NativeFile handle, Closeable closer, ChannelOpener opener) {
        if (name == null || handle == null || closer == null || opener == null) {
            throw new IllegalArgumentException("name, handle, closer and opener must not be null: name=" + name
                    + " handle=" + handle + " closer=" + closer + " opener=" + opener);
        }
        return BufAccess.ofNative(name, handle, closer, opener::open);
    }

    /** The handle {@code file} was made with by {@link #fileRef}, or {@code null} for a file opened in Java. */
    static NativeFile of(FileRef file) {
        return BufAccess.nativeHandle(file) instanceof NativeFile nf ? nf : null;
    }
}
