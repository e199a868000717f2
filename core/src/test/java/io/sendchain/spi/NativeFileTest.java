package io.sendchain.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NativeFile: how a platform wraps its own file handle in a FileRef and finds it again in its send chain. */
class NativeFileTest {

    private record Handle(int fd) implements NativeFile {
    }

    @TempDir
    Path dir;

    @Test
    void aPlatformFindsItsOwnHandleAgainAndClosingTheRefReleasesIt() throws IOException {
        Path path = Files.writeString(dir.resolve("f"), "0123456789");
        Handle handle = new Handle(7);
        boolean[] closed = {false};
        FileRef ref = NativeFile.fileRef("f", handle, () -> closed[0] = true,
                () -> FileChannel.open(path, StandardOpenOption.READ));
        assertSame(handle, NativeFile.of(ref));
        assertEquals("f", ref.toString());
        assertEquals(10, ref.size(), "Java code reads it through a channel opened on first use");
        ref.close();
        assertTrue(closed[0]);
    }

    @Test
    void aFileOpenedInJavaHasNoNativeHandle() throws IOException {
        Path path = Files.writeString(dir.resolve("g"), "x");
        try (FileRef ref = FileRef.open(path)) {
            assertNull(NativeFile.of(ref));
        }
    }

    @Test
    void aMissingHandleCloserOrOpenerIsMisuseNamedAsSuch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeFile.fileRef("f", null, () -> { }, () -> null));
        assertTrue(e.getMessage().contains("handle=null"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeFile.fileRef("f", new Handle(1), null, () -> null));
        assertFalse(assertThrows(IllegalArgumentException.class,
                () -> NativeFile.fileRef("f", new Handle(1), () -> { }, null)).getMessage().isEmpty());
    }
}
