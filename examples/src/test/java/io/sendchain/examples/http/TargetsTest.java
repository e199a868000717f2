package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Targets}: {@link UriPath#resolve}'s answer, kept per target string within its bounds. */
class TargetsTest {

    private final Path root = Path.of("/srv/www");
    private final Targets targets = new Targets(root, false);

    @Test
    void aTargetResolvesAsUriPathResolvesItWithItsDirectoryAndIndex() {
        for (String t : List.of("/a/b.txt", "/a/", "/", "/a/../b", "/../x", "/%41b?q=1", "/a%2fb", "relative")) {
            Targets.Target got = targets.of(t);
            assertEquals(UriPath.resolve(t, root, false, false), got.resolved(), t);
            Path file = got.resolved().file();
            assertEquals(file == null ? null : file.getParent(), got.dir(), t);
            assertEquals(file != null && got.resolved().slash() ? file.resolve("index.html") : null, got.index(), t);
        }
        assertEquals(root.resolve("a/index.html"), targets.of("/a/").index());
        assertNull(targets.of("/a/b.txt").index());
    }

    @Test
    void theSameTargetIsResolvedOnceAndALongOneIsNotKept() {
        Targets.Target first = targets.of("/a/b.txt");
        assertSame(first, targets.of(new String("/a/b.txt".toCharArray())), "found again by its characters");
        String longTarget = "/" + "x".repeat(Targets.MAX_LENGTH);
        int size = targets.size();
        assertNotSame(targets.of(longTarget), targets.of(longTarget));
        assertEquals(size, targets.size(), "a target longer than the string table keeps is not kept");
    }

    @Test
    void pastItsBoundEverythingIsForgottenAtOnce() {
        for (int i = 0; i < Targets.MAX; i++) {
            targets.of("/f" + i);
        }
        assertEquals(Targets.MAX, targets.size());
        targets.of("/one-more");
        assertEquals(1, targets.size());
    }
}
