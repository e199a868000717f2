package io.sendchain.examples.http;

import java.nio.file.Path;
import java.util.HashMap;

/**
 * The files the request targets a worker saw lately name: a target is decoded and resolved under the root once,
 * then found again by its string (the worker's request parser hands out the same string for the same bytes), so a
 * repeated request makes no {@code Path} and decodes nothing. Only the bytes and the root decide a resolution (no
 * file system is asked: the lookup checks the file every time), so nothing here goes stale. At most {@link #MAX}
 * targets of at most {@link #MAX_LENGTH} characters, forgotten all at once past that (as {@link FileMetas} does).
 */
final class Targets {

    static final int MAX = 1024;
    /**
     * The longest target kept, as the worker's string table keeps no longer ones (a longer target is a new string
     * each time): a client sending long random targets makes the map hold at most {@code MAX} short ones.
     */
    static final int MAX_LENGTH = 256;

    /**
     * A resolved target: the outcome, the directory its file is in, and the file's {@code index.html} when the
     * target ends with a slash ({@code null} otherwise).
     */
    record Target(UriPath.Resolved resolved, Path dir, Path index) {
    }

    private final HashMap<String, Target> targets = new HashMap<>();
    private final Path root;
    private final boolean symlinksOutsideRoot;

    Targets(Path root, boolean symlinksOutsideRoot) {
        this.root = root;
        this.symlinksOutsideRoot = symlinksOutsideRoot;
    }

    /** What {@code target} resolves to, as {@code UriPath.resolve(target, root, symlinksOutsideRoot, false)}. */
    Target of(String target) {
        Target t = target.length() <= MAX_LENGTH ? targets.get(target) : null;
        if (t == null) {
            UriPath.Resolved r = UriPath.resolve(target, root, symlinksOutsideRoot, false);
            Path file = r.file();
            t = new Target(r, file == null ? null : file.getParent(),
                    file != null && r.slash() ? file.resolve("index.html") : null);
            if (target.length() <= MAX_LENGTH) {
                if (targets.size() >= MAX) {
                    targets.clear();
                }
                targets.put(target, t);
            }
        }
        return t;
    }

    /** Targets remembered. */
    int size() {
        return targets.size();
    }
}
