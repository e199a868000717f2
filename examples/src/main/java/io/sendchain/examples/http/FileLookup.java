package io.sendchain.examples.http;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;

/**
 * Finds the file for a request path and keeps it inside the root, with one {@code lstat} per request in the
 * common case: the file itself is looked at without following links (a symbolic link is resolved and checked
 * only when it is one), and each directory on the way is checked with {@code realpath} at most once per
 * {@link #VALID_MILLIS} (nginx's {@code open_file_cache_valid} plays the same role). One per worker thread.
 */
final class FileLookup {

    /** How long a directory's verdict (inside the root or not) is trusted. */
    static final long VALID_MILLIS = 1000;
    private static final int MAX_DIRS = 4096;

    /** The outcome: a status (0 when found), the file and its attributes. */
    record Found(int status, Path file, BasicFileAttributes attrs) {
    }

    private final Path root;
    private final boolean symlinksOutsideRoot;
    private final HashMap<Path, Long> verifiedDirs = new HashMap<>();

    FileLookup(Path root, boolean symlinksOutsideRoot) {
        this.root = root;
        this.symlinksOutsideRoot = symlinksOutsideRoot;
    }

    /** Attributes of {@code file}, which must stay inside the root unless links outside are allowed. */
    Found stat(Path file, long now) {
        try {
            if (symlinksOutsideRoot) {
                return new Found(0, file, Files.readAttributes(file, BasicFileAttributes.class));
            }
            BasicFileAttributes attrs =
                    Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isSymbolicLink()) {
                Path real = file.toRealPath();
                if (!real.startsWith(root)) {
                    return new Found(403, null, null);
                }
                return new Found(0, real, Files.readAttributes(real, BasicFileAttributes.class));
            }
            Path dir = file.getParent();
            if (dir != null && !file.equals(root) && !dir.equals(root) && !dirInside(dir, now)) {
                return new Found(403, null, null);
            }
            return new Found(0, file, attrs);
        } catch (NoSuchFileException e) {
            return new Found(404, null, null);
        } catch (AccessDeniedException | SecurityException e) {
            return new Found(403, null, null);
        } catch (FileSystemException e) {
            // nginx's ngx_http_static_handler: ENOENT, ENOTDIR and ENAMETOOLONG are "not found"
            String why = String.valueOf(e.getReason());
            boolean notFound = why.contains("File name too long") || why.contains("Not a directory");
            return new Found(notFound ? 404 : 500, null, null);
        } catch (IOException e) {
            return new Found(500, null, null);
        }
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
