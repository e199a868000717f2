package io.sendchain.testkit;

import io.sendchain.buf.FileRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Files with known contents for tests. */
public final class TestFiles {

    private TestFiles() {
    }

    /** {@code size} bytes where byte {@code i} is {@code (i * 31 + i / 251) & 0xff}: position-dependent. */
    public static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + i / 251);
        }
        return b;
    }

    /** Writes {@link #pattern(int)} of {@code size} bytes to {@code dir/name}. */
    public static Path patternFile(Path dir, String name, int size) throws IOException {
        return Files.write(dir.resolve(name), pattern(size));
    }

    /** Writes {@link #pattern(int)} of {@code size} bytes to {@code dir/name} and opens it. */
    public static FileRef patternRef(Path dir, String name, int size) throws IOException {
        return FileRef.open(patternFile(dir, name, size));
    }

    /** {@code size} random bytes from {@code random}. */
    public static byte[] random(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }
}
