package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sendchain.spi.FileStat;
import io.sendchain.spi.Platform;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Platform#stat} on each platform here (linux: {@code statx} through FFM; generic: the SPI's default through
 * {@code java.nio.file}) against {@code Files.readAttributes}: the same type, size and modification time (to the
 * nanosecond) of a file, a directory and a link (followed and not), and the outcomes a lookup tells apart.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlatformStatTest {

    @TempDir
    Path dir;

    private static Platform open(String name) throws IOException {
        PlatformRegistry registry = PlatformRegistry.load();
        assumeTrue(registry.candidates().stream().anyMatch(c -> c.name().equals(name) && c.available()),
                name + " is not available here");
        return registry.open(PlatformConfig.defaults().withPlatform(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "generic"})
    void aFileADirectoryAndALinkAreSeenAsJavaSeesThem(String name) throws Exception {
        try (Platform p = open(name)) {
            Path file = Files.write(dir.resolve("f.txt"), new byte[12_345]);
            Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
            Path sub = Files.createDirectory(dir.resolve("sub"));
            Path link = Files.createSymbolicLink(dir.resolve("link"), file);
            FileStat st = new FileStat();
            for (Path path : new Path[] {file, sub, link}) {
                for (boolean follow : new boolean[] {false, true}) {
                    assertSame(FileStat.Outcome.FOUND, p.stat(path, follow, st), path + " follow " + follow);
                    BasicFileAttributes nio = follow ? Files.readAttributes(path, BasicFileAttributes.class)
                            : Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    String what = name + " " + path.getFileName() + " follow " + follow;
                    assertEquals(nio.isRegularFile(), st.isRegularFile(), what);
                    assertEquals(nio.isDirectory(), st.isDirectory(), what);
                    assertEquals(nio.isSymbolicLink(), st.isSymbolicLink(), what);
                    assertEquals(nio.isOther(), st.isOther(), what);
                    if (!st.isDirectory()) {
                        assertEquals(nio.size(), st.size(), what);
                    }
                    assertEquals(nio.lastModifiedTime().toInstant(), st.lastModifiedTime().toInstant(), what);
                    assertEquals(nio.lastModifiedTime().toMillis() / 1000, FileMeta.mtime(st), what);
                }
            }
            assertEquals(FileStat.Type.SYMBOLIC_LINK, statOf(p, link, false).type());
            assertEquals(Instant.ofEpochSecond(1_700_000_000L, 123_456_789), statOf(p, link, true)
                    .lastModifiedTime().toInstant());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "generic"})
    void whatALookupTellsApartIsAnOutcomeNotAnException(String name) throws Exception {
        try (Platform p = open(name)) {
            Path file = Files.writeString(dir.resolve("f.txt"), "x");
            Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("gone"));
            FileStat st = new FileStat();
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(dir.resolve("missing"), false, st), "no such file");
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(file.resolve("x"), false, st), "not a directory");
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(dir.resolve("n".repeat(300)), false, st), "name too long");
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(dangling, true, st), "a dangling link, followed");
            assertSame(FileStat.Outcome.FOUND, p.stat(dangling, false, st), "the link itself");
            assertEquals(FileStat.Type.SYMBOLIC_LINK, st.type());
            Path deep = dir;
            for (int i = 0; i < 25; i++) {
                deep = deep.resolve("d".repeat(200)); // a path past PATH_MAX (4096 on Linux)
            }
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(deep, false, st), "path too long");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "generic"})
    void aPathOfAnotherFileSystemIsLookedAtThroughIt(String name) throws Exception {
        try (Platform p = open(name);
                FileSystem zip = FileSystems.newFileSystem(dir.resolve("a.zip"), Map.of("create", "true"))) {
            Path inZip = Files.write(zip.getPath("/inside.txt"), new byte[777]);
            FileStat st = new FileStat();
            assertSame(FileStat.Outcome.FOUND, p.stat(inZip, false, st), "no such path on the disk, but in the zip");
            assertEquals(777, st.size());
            assertSame(FileStat.Outcome.NOT_FOUND, p.stat(zip.getPath("/missing.txt"), false, st));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "generic"})
    void aFilesKeyIsItsIdentityAsJavaSeesIt(String name) throws Exception {
        try (Platform p = open(name)) {
            Path a = Files.writeString(dir.resolve("a.txt"), "same");
            Path b = Files.writeString(dir.resolve("b.txt"), "same");
            Object keyA = statOf(p, a, false).fileKey();
            assertEquals(keyA, statOf(p, a, false).fileKey(), "the same file");
            assertEquals(keyA, statOf(p, a, false).copy().fileKey(), "kept in a copy");
            assertNotEquals(keyA, statOf(p, b, false).fileKey(), "another file");
            assertEquals(Files.isSameFile(a, b), keyA.equals(statOf(p, b, false).fileKey()));
            Files.move(b, a, StandardCopyOption.REPLACE_EXISTING);
            assertNotEquals(keyA, statOf(p, a, false).fileKey(), "a file replaced under the same name");
        }
    }

    private static FileStat statOf(Platform p, Path path, boolean follow) {
        FileStat st = new FileStat();
        assertSame(FileStat.Outcome.FOUND, p.stat(path, follow, st));
        return st;
    }
}
