package io.sendchain.spi;

import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;

/**
 * What {@link Platform#stat} found out about a file: its type, size and modification time, written in place so
 * that a server can look at a file for every request without making garbage. One instance is reused by one thread
 * (a worker's lookups); it holds the last answer until the next. As {@link BasicFileAttributes} it answers what it
 * knows: {@link #lastModifiedTime()} (which makes a {@link FileTime}; {@link #mtimeSeconds()} does not) stands in for
 * the access and creation times, and {@link #fileKey()} is the file's device and inode where the platform gives
 * them.
 */
public final class FileStat implements BasicFileAttributes {

    /** The answer of a look at a file, by the portable meaning of the platform's error. */
    public enum Outcome {
        /** The file is there; the {@link FileStat} holds what was found. */
        FOUND,
        /** Nothing by that name: no entry, a path component that is not a directory, or a name too long. */
        NOT_FOUND,
        /** A directory on the way may not be searched (or the call is not permitted). */
        ACCESS_DENIED,
        /** Any other error; {@link FileStat#errno()} holds the platform's number where it has one. */
        ERROR
    }

    /** The kinds of file told apart. */
    public enum Type {
        REGULAR, DIRECTORY, SYMBOLIC_LINK, OTHER
    }

    /** A file's identity as {@code st_dev} and {@code st_ino} tell it: what {@link #fileKey()} returns. */
    public record Key(long device, long inode) {
    }

    private Type type = Type.OTHER;
    private long size;
    private long mtimeSeconds;
    private int mtimeNanos;
    private int errno;
    private boolean numericKey;
    private long device;
    private long inode;
    private Object otherKey;

    /** Records a file that was found; its identity is unknown until {@link #key} is called. */
    public FileStat found(Type type, long size, long mtimeSeconds, int mtimeNanos) {
        this.type = type;
        this.size = size;
        this.mtimeSeconds = mtimeSeconds;
        this.mtimeNanos = mtimeNanos;
        this.errno = 0;
        this.numericKey = false;
        this.otherKey = null;
        return this;
    }

    /** Records the found file's device and inode numbers (its {@link #fileKey()}). */
    public FileStat key(long device, long inode) {
        this.numericKey = true;
        this.device = device;
        this.inode = inode;
        this.otherKey = null;
        return this;
    }

    /** Records the found file's identity as another API gave it (a {@code java.nio.file} file key), or none. */
    public FileStat key(Object fileKey) {
        this.numericKey = false;
        this.otherKey = fileKey;
        return this;
    }

    /** Records the platform's error number of a look that failed ({@code 0}: none known). */
    public FileStat failed(int errno) {
        this.errno = errno;
        return this;
    }

    /** The file's type. */
    public Type type() {
        return type;
    }

    /** The modification time's whole seconds since the epoch. */
    public long mtimeSeconds() {
        return mtimeSeconds;
    }

    /** The modification time's nanoseconds within its second. */
    public int mtimeNanos() {
        return mtimeNanos;
    }

    /** The platform's error number of the last look that failed with {@link Outcome#ERROR}, else {@code 0}. */
    public int errno() {
        return errno;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(TimeUnit.NANOSECONDS.convert(mtimeSeconds, TimeUnit.SECONDS) + mtimeNanos,
                TimeUnit.NANOSECONDS);
    }

    @Override
    public FileTime lastAccessTime() {
        return lastModifiedTime();
    }

    @Override
    public FileTime creationTime() {
        return lastModifiedTime();
    }

    @Override
    public boolean isRegularFile() {
        return type == Type.REGULAR;
    }

    @Override
    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    @Override
    public boolean isSymbolicLink() {
        return type == Type.SYMBOLIC_LINK;
    }

    @Override
    public boolean isOther() {
        return type == Type.OTHER;
    }

    @Override
    public long size() {
        return size;
    }

    /**
     * The found file's identity, equal for two looks at the same file and different for a file replaced by another
     * ({@link Key} when the platform gave the numbers; made on each call), or {@code null} if unknown.
     */
    @Override
    public Object fileKey() {
        return numericKey ? new Key(device, inode) : otherKey;
    }

    /** A copy that later looks do not change. */
    public FileStat copy() {
        FileStat c = new FileStat().found(type, size, mtimeSeconds, mtimeNanos).failed(errno);
        return numericKey ? c.key(device, inode) : c.key(otherKey);
    }

    @Override
    public String toString() {
        return "FileStat[" + type + ", size " + size + ", mtime " + mtimeSeconds + "." + mtimeNanos + "]";
    }
}
