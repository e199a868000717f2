package io.sendchain.internal;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.buf.FileRef;
import io.sendchain.buf.FreeBusy;
import io.sendchain.buf.Pool;
import io.sendchain.buf.SlabAllocator;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Core's way into the members of {@code io.sendchain.buf} that only other core packages use (the event pipe's
 * shadow marks, the output chain's free/busy lists and file slots, the platform SPI's native file handle): they
 * are nginx's struct fields, not user API, so they are package-private in {@code io.sendchain.buf} and reached
 * from here. This package is not exported; the buf package installs the implementation from {@link Buf}'s static
 * initializer, in the style of the JDK's {@code SharedSecrets}.
 */
public abstract class BufAccess {

    private static BufAccess access;

    /** Installs the implementation; called once, by {@link Buf}'s static initializer. */
    public static void install(BufAccess impl) {
        if (access != null) {
            throw new IllegalStateException("BufAccess is installed already: " + access);
        }
        access = impl;
    }

    private static BufAccess access() {
        BufAccess a = access;
        if (a == null) {
            try {
                // a Pool or FileRef can exist before any Buf: initialise Buf, which installs the access
                Class.forName(Buf.class.getName(), true, Buf.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Buf class not found", e);
            }
            a = access;
        }
        return a;
    }

    /** Opens the channel of a file a platform opened natively, when Java code first needs it. */
    @FunctionalInterface
    public interface ChannelOpener {
        /** Opens a channel on the same open file. */
        FileChannel open() throws IOException;
    }

    // ---------------------------------------------------------------- Buf: the event pipe's marks

    /** The buf whose bytes {@code b} shares (the event pipe's raw buf), or {@code null}. */
    public static Buf shadow(Buf b) {
        return access().getShadow(b);
    }

    /** Sets {@code b}'s shadow: the event pipe's bookkeeping (one owning class) only. */
    public static void shadow(Buf b, Buf shadow) {
        access().setShadow(b, shadow);
    }

    /** {@code b} is the last shadow of its raw buf. */
    public static boolean lastShadow(Buf b) {
        return access().getLastShadow(b);
    }

    /** Sets {@code b}'s last-shadow mark: the event pipe's bookkeeping (one owning class) only. */
    public static void lastShadow(Buf b, boolean v) {
        access().setLastShadow(b, v);
    }

    /** {@code b} belongs to a bounded set and must be sent promptly so it can be reused. */
    public static boolean recycled(Buf b) {
        return access().getRecycled(b);
    }

    /** Sets {@code b}'s recycled flag. */
    public static void recycled(Buf b, boolean v) {
        access().setRecycled(b, v);
    }

    /** {@code b}'s file is a temporary file (event pipe spill). */
    public static boolean tempFile(Buf b) {
        return access().getTempFile(b);
    }

    /** Sets {@code b}'s temp-file flag. */
    public static void tempFile(Buf b, boolean v) {
        access().setTempFile(b, v);
    }

    /** Sets {@code b}'s sequence number (the event pipe's debug log). */
    public static void num(Buf b, int num) {
        access().setNum(b, num);
    }

    /** {@code b}'s memory is a mapping of a file. */
    public static boolean mmap(Buf b) {
        return access().getMmap(b);
    }

    /** Sets {@code b}'s mmap flag. */
    public static void mmap(Buf b, boolean v) {
        access().setMmap(b, v);
    }

    /** The owner's tag on {@code b}, or {@code null}. */
    public static Buf.Tag tag(Buf b) {
        return access().getTag(b);
    }

    /** Sets {@code b}'s temporary flag (writable scratch memory). */
    public static void temporary(Buf b, boolean v) {
        access().setTemporary(b, v);
    }

    /** {@code b}'s memory is read-only. */
    public static boolean memory(Buf b) {
        return access().getMemory(b);
    }

    /** Sets {@code b}'s read-only memory flag. */
    public static void memory(Buf b, boolean v) {
        access().setMemory(b, v);
    }

    /** Sets whether {@code b}'s file window holds data. */
    public static void inFile(Buf b, boolean v) {
        access().setInFile(b, v);
    }

    /** Points {@code b}'s file window at {@code file}. */
    public static void file(Buf b, FileRef file) {
        access().setFile(b, file);
    }

    /** Sets {@code b}'s flush flag. */
    public static void flush(Buf b, boolean v) {
        access().setFlush(b, v);
    }

    /** Whether {@code b} asks for a sync (nginx's {@code sync} flag: write out what is queued, like a flush). */
    public static boolean sync(Buf b) {
        return access().getSync(b);
    }

    // ---------------------------------------------------------------- Pool and FreeBusy

    /** Links {@code pool} keeps for reuse. */
    public static int idleLinks(Pool pool) {
        return access().getIdleLinks(pool);
    }

    /** Chunks of the loop's memory {@code pool} holds now. */
    public static int heldChunks(Pool pool) {
        return access().getHeldChunks(pool);
    }

    /** The free list of {@code lists}. */
    public static Chain free(FreeBusy lists) {
        return access().getFree(lists);
    }

    /** Sets the free list of {@code lists}. */
    public static void free(FreeBusy lists, Chain free) {
        access().setFree(lists, free);
    }

    /** The busy list of {@code lists}. */
    public static Chain busy(FreeBusy lists) {
        return access().getBusy(lists);
    }

    /** Sets the busy list of {@code lists}. */
    public static void busy(FreeBusy lists, Chain busy) {
        access().setBusy(lists, busy);
    }

    /** {@code pool.tempBuf(b, size)} with the memory aligned to {@code alignment} (direct I/O). */
    public static Buf tempBuf(Pool pool, Buf b, long size, long alignment) {
        return access().alignedTempBuf(pool, b, size, alignment);
    }

    /** {@code pool.createTempBuf(size)} with the memory aligned to {@code alignment} (direct I/O). */
    public static Buf createTempBuf(Pool pool, long size, long alignment) {
        return access().alignedTempBuf(pool, new Buf(), size, alignment);
    }

    /** Binds {@code memory} to its loop's {@code thread} (checked mode then refuses every other thread). */
    public static void bind(SlabAllocator memory, Thread thread) {
        access().bindTo(memory, thread);
    }

    // ---------------------------------------------------------------- FileRef

    /** {@code file} was opened for direct I/O: reads must be aligned, sendfile is not used. */
    public static boolean directio(FileRef file) {
        return access().isDirectio(file);
    }

    /** The ordinary channel of a direct-I/O file, for reads that are not aligned. */
    public static FileChannel unalignedChannel(FileRef file) throws IOException {
        return access().getUnalignedChannel(file);
    }

    /** Wraps channels the caller keeps owning as a direct-I/O file. */
    public static FileRef ofDirect(FileChannel channel, FileChannel unaligned, String name) {
        return access().newDirect(channel, unaligned, name);
    }

    /** The thread-pool reader's per-file task (nginx's {@code file->thread_task}), or {@code null}. */
    public static Object readTask(FileRef file) {
        return access().getReadTask(file);
    }

    /** Sets the thread-pool reader's per-file task. */
    public static void readTask(FileRef file, Object task) {
        access().setReadTask(file, task);
    }

    /** A file a platform opened itself; the ref owns the handle, the closer and the opener. */
    public static FileRef ofNative(String name, Object handle, Closeable closer, ChannelOpener opener) {
        return access().newNative(name, handle, closer, opener);
    }

    /** The platform's own handle of a natively opened file, or {@code null}. */
    public static Object nativeHandle(FileRef file) {
        return access().getNativeHandle(file);
    }

    // ---------------------------------------------------------------- the implementation's side

    protected abstract Buf getShadow(Buf b);

    protected abstract void setShadow(Buf b, Buf shadow);

    protected abstract boolean getLastShadow(Buf b);

    protected abstract void setLastShadow(Buf b, boolean v);

    protected abstract boolean getRecycled(Buf b);

    protected abstract void setRecycled(Buf b, boolean v);

    protected abstract boolean getTempFile(Buf b);

    protected abstract void setTempFile(Buf b, boolean v);

    protected abstract void setNum(Buf b, int num);

    protected abstract boolean getMmap(Buf b);

    protected abstract void setMmap(Buf b, boolean v);

    protected abstract Buf.Tag getTag(Buf b);

    protected abstract void setTemporary(Buf b, boolean v);

    protected abstract boolean getMemory(Buf b);

    protected abstract void setMemory(Buf b, boolean v);

    protected abstract void setInFile(Buf b, boolean v);

    protected abstract void setFile(Buf b, FileRef file);

    protected abstract void setFlush(Buf b, boolean v);

    protected abstract boolean getSync(Buf b);

    protected abstract int getIdleLinks(Pool pool);

    protected abstract int getHeldChunks(Pool pool);

    protected abstract Buf alignedTempBuf(Pool pool, Buf b, long size, long alignment);

    protected abstract void bindTo(SlabAllocator memory, Thread thread);

    protected abstract Chain getFree(FreeBusy lists);

    protected abstract void setFree(FreeBusy lists, Chain free);

    protected abstract Chain getBusy(FreeBusy lists);

    protected abstract void setBusy(FreeBusy lists, Chain busy);

    protected abstract boolean isDirectio(FileRef file);

    protected abstract FileChannel getUnalignedChannel(FileRef file) throws IOException;

    protected abstract FileRef newDirect(FileChannel channel, FileChannel unaligned, String name);

    protected abstract Object getReadTask(FileRef file);

    protected abstract void setReadTask(FileRef file, Object task);

    protected abstract FileRef newNative(String name, Object handle, Closeable closer, ChannelOpener opener);

    protected abstract Object getNativeHandle(FileRef file);
}
