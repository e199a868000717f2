package io.sendchain.examples.http;

import io.sendchain.spi.FileStat;
import io.sendchain.spi.Platform;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Objects;

/**
 * Finds the file for a request path and keeps it inside the root, with one {@code lstat} per request in the
 * common case: the file itself is looked at without following links (a symbolic link is resolved and checked
 * only when it is one), and each directory on the way is checked with {@code realpath} at most once per
 * {@link #VALID_MILLIS} (nginx's {@code open_file_cache_valid} plays the same role). One per worker thread.
 *
 * <p>The file is looked at through the platform's {@link Platform#stat} (no exception for a missing file and, on a
 * platform with native access, no garbage): {@link #look} for a response made without the cache, whose attributes
 * are the worker's and change at the next look, and {@link #keep} for the open file cache, which keeps a copy (with
 * the file key it compares at revalidation).
 */
final class FileLookup {

    /** How long a directory's verdict (inside the root or not) is trusted. */
    static final long VALID_MILLIS = 1000;
    private static final int MAX_DIRS = 4096;

    /** The outcome: a status (0 when found), the file and its attributes. */
    record Found(int status, Path file, BasicFileAttributes attrs) {
    }

    private static final Found NOT_FOUND = new Found(404, null, null);
    private static final Found FORBIDDEN = new Found(403, null, null);
    private static final Found FAILED = new Found(500, null, null);

    private final Path root;
    private final boolean symlinksOutsideRoot;
    private final Platform platform;
    private final FileStat scratch = new FileStat();
    private final HashMap<Path, Long> verifiedDirs = new HashMap<>();

    FileLookup(Path root, boolean symlinksOutsideRoot, Platform platform) {
        this.root = root;
        this.symlinksOutsideRoot = symlinksOutsideRoot;
        this.platform = Objects.requireNonNull(platform, "platform");
    }

    /** As {@link #look}, with attributes that stay valid: for the open file cache to keep. */
    Found keep(Path file, long now) {
        Found f = look(file, file.getParent(), now);
        return f.attrs() == scratch ? new Found(f.status(), f.file(), scratch.copy()) : f;
    }

    /**
     * {@code file}, which must stay inside the root unless links outside are allowed, with {@code file}'s directory
     * given ({@link Targets} keeps it): the attributes of the file found are valid until the next call.
     */
    Found look(Path file, Path dir, long now) {
        FileStat.Outcome outcome = platform.stat(file, symlinksOutsideRoot, scratch);
        if (outcome != FileStat.Outcome.FOUND) {
            return refused(outcome);
        }
        if (symlinksOutsideRoot) {
            return new Found(0, file, scratch);
        }
        try {
            return inside(file, dir, scratch, now);
        } catch (IOException | SecurityException e) {
            return failed(e);
        }
    }

    /** {@code file} (not followed) if it is inside the root: its directory checked, a link resolved and checked. */
    private Found inside(Path file, Path dir, BasicFileAttributes attrs, long now) throws IOException {
        if (attrs.isSymbolicLink()) {
            Path real = file.toRealPath();
            if (!real.startsWith(root)) {
                return FORBIDDEN;
            }
            FileStat target = new FileStat(); // its own: the caller may copy the scratch (rare: a link)
            FileStat.Outcome outcome = platform.stat(real, true, target);
            return outcome == FileStat.Outcome.FOUND ? new Found(0, real, target) : refused(outcome);
        }
        if (dir != null && !file.equals(root) && !dir.equals(root) && !dirInside(dir, now)) {
            return FORBIDDEN;
        }
        return new Found(0, file, attrs);
    }

    /** The answer to a look that found nothing usable. */
    private static Found refused(FileStat.Outcome outcome) {
        return switch (outcome) {
            case NOT_FOUND -> NOT_FOUND;
            case ACCESS_DENIED -> FORBIDDEN;
            default -> FAILED;
        };
    }

    private static Found failed(Exception e) {
        if (e instanceof NoSuchFileException) {
            return NOT_FOUND;
        }
        if (e instanceof AccessDeniedException || e instanceof SecurityException) {
            return FORBIDDEN;
        }
        if (e instanceof FileSystemException fse) {
            // nginx's ngx_http_static_handler: ENOENT, ENOTDIR and ENAMETOOLONG are "not found"
            String why = String.valueOf(fse.getReason());
            return why.contains("File name too long") || why.contains("Not a directory") ? NOT_FOUND : FAILED;
        }
        return FAILED;
    }

    private boolean dirInside(Path dir, long now) throws IOException {
        Long at = verifiedDirs.get(dir);
        if (at != null && now - at < VALID_MILLIS) {
            return true;
        }
        boolean inside = dir.toRealPath().startsWith(root);
        if (inside) {
            if (verifiedDirs.size() >= MAX_DIRS) {
                verifiedDirs.clear();
            }
            verifiedDirs.put(dir, now);
        }
        return inside;
    }
}
