package io.sendchain.pipe;

import io.sendchain.buf.FileRef;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where an event pipe's temporary file comes from when it first spills (nginx's {@code p->temp_file}): made by
 * {@link #inDirectory(Path, FileOpener)} and given to {@link EventPipe#tempFiles(TempFiles)}.
 */
public final class TempFiles {

    /** Opens a file for sending (a platform's {@code openFile}, or {@link FileRef#open}). */
    @FunctionalInterface
    public interface FileOpener {
        /**
         * Opens {@code path} for sending.
         *
         * @throws IOException when it cannot be opened
         */
        FileRef open(Path path) throws IOException;
    }

    /** Makes one temp file. */
    @FunctionalInterface
    interface Creator {
        TempFile create() throws IOException;
    }

    /** A temporary file: a channel to write it and a ref to send it (already unlinked, so nothing is left behind). */
    record TempFile(FileChannel writer, FileRef ref) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                writer.close();
            } finally {
                ref.close();
            }
        }
    }

    private final Creator creator;

    TempFiles(Creator creator) {
        this.creator = creator;
    }

    /** A new temp file; fails with an {@link IOException} when it cannot be made. */
    TempFile create() throws IOException {
        return creator.create();
    }

    /**
     * Temp files in {@code dir}: created with a unique name, opened for writing and (through {@code opener}) for
     * sending, then unlinked at once, so they vanish when closed or when the process dies. Creating one fails
     * with an {@link IOException} naming the directory when it is missing, not writable or full.
     */
    public static TempFiles inDirectory(Path dir, FileOpener opener) {
        return new TempFiles(() -> {
            Path path;
            try {
                path = Files.createTempFile(dir, "sendchain-", ".tmp");
            } catch (IOException e) {
                throw new IOException("cannot create a temp file in " + dir + ": " + e, e);
            }
            FileChannel writer = null;
            try {
                writer = FileChannel.open(path, StandardOpenOption.WRITE);
                FileRef ref = opener.open(path);
                return new TempFile(writer, ref);
            } catch (IOException | RuntimeException e) {
                if (writer != null) {
                    writer.close();
                }
                throw e;
            } finally {
                Files.deleteIfExists(path);
            }
        });
    }
}
