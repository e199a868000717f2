package io.sendchain.platform.darwin.internal;

import io.sendchain.spi.NativeFile;

/** The native handle of a file the macOS platform opened: its descriptor, for {@code sendfile}. */
record DarwinFile(int fd) implements NativeFile {
}
