package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileMetas}: the same head bytes as {@link FileMeta#of}, formatted again only when the file changed. */
class FileMetasTest {

    @TempDir
    Path tmp;
    /** The lookups' platform, as a server's: the best one here. */
    Platform platform;

    @BeforeEach
    void openPlatform() throws IOException {
        platform = PlatformRegistry.load().open(PlatformConfig.defaults());
    }

    @AfterEach
    void closePlatform() throws IOException {
        platform.close();
    }

    private FileLookup.Found stat(FileLookup lookup, Path file) {
        FileLookup.Found f = lookup.keep(file, System.currentTimeMillis());
        assertEquals(0, f.status(), file.toString());
        return f;
    }

    private static void assertSameBytes(FileMeta expected, FileMeta actual) {
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.mtime(), actual.mtime());
        assertEquals(expected.etag(), actual.etag());
        assertEquals(expected.lastModified(), actual.lastModified());
        assertArrayEquals(expected.contentType(), actual.contentType());
        assertArrayEquals(expected.validators(), actual.validators());
    }

    @Test
    void anUnchangedFileKeepsItsHeadBytesAndAChangedOneGetsNewOnes() throws IOException {
        Path root = tmp.toRealPath();
        Path file = Files.writeString(root.resolve("a.css"), "body {}");
        FileLookup lookup = new FileLookup(root, false, platform);
        FileMetas metas = new FileMetas();
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L));
        FileMeta first = metas.of(stat(lookup, file));
        assertSameBytes(FileMeta.of(stat(lookup, file)), first);
        assertSame(first, metas.of(stat(lookup, root.resolve("a.css"))), "the same file, looked up again");

        Files.writeString(file, "body { color: red }"); // another size
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L));
        FileMeta resized = metas.of(stat(lookup, file));
        assertNotEquals(first.etag(), resized.etag());
        assertSameBytes(FileMeta.of(stat(lookup, file)), resized);

        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_060_000L)); // the same size, a minute later
        FileMeta touched = metas.of(stat(lookup, file));
        assertNotEquals(resized.lastModified(), touched.lastModified());
        assertSameBytes(FileMeta.of(stat(lookup, file)), touched);
        assertSame(touched, metas.of(stat(lookup, file)));
    }

    @Test
    void itRemembersAtMostMaxFiles() throws IOException {
        Path root = tmp.toRealPath();
        FileLookup lookup = new FileLookup(root, false, platform);
        FileMetas metas = new FileMetas();
        for (int i = 0; i < FileMetas.MAX + 10; i++) {
            Path f = Files.writeString(root.resolve("f" + i + ".txt"), "x".repeat(i % 7));
            FileLookup.Found found = stat(lookup, f);
            assertSameBytes(FileMeta.of(found), metas.of(found));
            assertTrue(metas.size() <= FileMetas.MAX, "remembered " + metas.size());
        }
    }
}
