package io.sendchain.buf;

import io.sendchain.internal.BufAccess;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

/** The buf package's side of {@link BufAccess}: plain delegation to package-private members. */
final class BufAccessImpl extends BufAccess {

    @Override
    protected Buf getShadow(Buf b) {
        return b.shadow();
    }

    @Override
    protected void setShadow(Buf b, Buf shadow) {
        b.shadow(shadow);
    }

    @Override
    protected boolean getLastShadow(Buf b) {
        return b.lastShadow();
    }

    @Override
    protected void setLastShadow(Buf b, boolean v) {
        b.lastShadow(v);
    }

    @Override
    protected boolean getRecycled(Buf b) {
        return b.recycled();
    }

    @Override
    protected void setRecycled(Buf b, boolean v) {
        b.recycled(v);
    }

    @Override
    protected boolean getTempFile(Buf b) {
        return b.tempFile();
    }

    @Override
    protected void setTempFile(Buf b, boolean v) {
        b.tempFile(v);
    }

    @Override
    protected void setNum(Buf b, int num) {
        b.num(num);
    }

    @Override
    protected boolean getMmap(Buf b) {
        return b.mmap();
    }

    @Override
    protected void setMmap(Buf b, boolean v) {
        b.mmap(v);
    }

    @Override
    protected Buf.Tag getTag(Buf b) {
        return b.tag();
    }

    @Override
    protected void setTemporary(Buf b, boolean v) {
        b.temporary(v);
    }

    @Override
    protected boolean getMemory(Buf b) {
        return b.memory();
    }

    @Override
    protected void setMemory(Buf b, boolean v) {
        b.memory(v);
    }

    @Override
    protected void setInFile(Buf b, boolean v) {
        b.inFile(v);
    }

    @Override
    protected void setFile(Buf b, FileRef file) {
        b.file(file);
    }

    @Override
    protected void setFlush(Buf b, boolean v) {
        b.flush(v);
    }

    @Override
    protected boolean getSync(Buf b) {
        return b.sync();
    }

    @Override
    protected int getIdleLinks(Pool pool) {
        return pool.idleLinks();
    }

    @Override
    protected int getHeldChunks(Pool pool) {
        return pool.heldChunks();
    }

    @Override
    protected Buf alignedTempBuf(Pool pool, Buf b, long size, long alignment) {
        return pool.tempBuf(b, size, alignment);
    }

    @Override
    protected void bindTo(SlabAllocator memory, Thread thread) {
        memory.bind(thread);
    }

    @Override
    protected Chain getFree(FreeBusy lists) {
        return lists.free();
    }

    @Override
    protected void setFree(FreeBusy lists, Chain free) {
        lists.free(free);
    }

    @Override
    protected Chain getBusy(FreeBusy lists) {
        return lists.busy();
    }

    @Override
    protected void setBusy(FreeBusy lists, Chain busy) {
        lists.busy(busy);
    }

    @Override
    protected boolean isDirectio(FileRef file) {
        return file.directio();
    }

    @Override
    protected FileChannel getUnalignedChannel(FileRef file) throws IOException {
        return file.unalignedChannel();
    }

    @Override
    protected FileRef newDirect(FileChannel channel, FileChannel unaligned, String name) {
        return FileRef.ofDirect(channel, unaligned, name);
    }

    @Override
    protected Object getReadTask(FileRef file) {
        return file.readTask();
    }

    @Override
    protected void setReadTask(FileRef file, Object task) {
        file.readTask(task);
    }

    @Override
    protected FileRef newNative(String name, Object handle, Closeable closer, BufAccess.ChannelOpener opener) {
        return FileRef.ofNative(name, handle, closer, opener);
    }

    @Override
    protected Object getNativeHandle(FileRef file) {
        return file.nativeHandle();
    }
}
