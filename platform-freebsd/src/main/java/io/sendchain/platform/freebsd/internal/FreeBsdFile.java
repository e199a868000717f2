package io.sendchain.platform.freebsd.internal;

import io.sendchain.spi.NativeFile;

/** The native handle of a file the FreeBSD platform opened: its descriptor, for {@code sendfile}. */
record FreeBsdFile(int fd) implements NativeFile {
}
