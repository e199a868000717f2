package io.sendchain.examples.http;

import java.nio.file.Path;
import java.util.HashMap;

/**
 * The head bytes of the files a worker served lately, for responses made without the open file cache: the file is
 * still opened and looked at for every request (nginx without {@code open_file_cache}), but its ETag, Last-Modified
 * and Content-Type lines are formatted again only when its size or modification time differ from the last time.
 * What this returns is always what {@link FileMeta#of} would make of the same lookup (the validators are built from
 * the size and the second of the modification time, the type from the name), so it changes nothing a client sees;
 * it saves the date formatting and the strings and byte arrays of each response. At most {@link #MAX} files,
 * forgotten all at once past that (as {@link FileLookup}'s verified directories are).
 */
final class FileMetas {

    static final int MAX = 1024;

    private final HashMap<Path, FileMeta> metas = new HashMap<>();

    /** The head bytes of the regular file {@code found} names. */
    FileMeta of(FileLookup.Found found) {
        long size = found.attrs().size();
        long mtime = FileMeta.mtime(found.attrs());
        FileMeta m = metas.get(found.file());
        if (m != null && m.size() == size && m.mtime() == mtime) {
            return m;
        }
        m = FileMeta.of(found);
        if (metas.size() >= MAX) {
            metas.clear();
        }
        metas.put(found.file(), m);
        return m;
    }

    /** Files remembered. */
    int size() {
        return metas.size();
    }
}
