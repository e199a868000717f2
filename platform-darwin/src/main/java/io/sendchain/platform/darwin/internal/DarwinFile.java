package io.sendchain.platform.darwin.internal;

/** The native handle of a file the macOS platform opened: its descriptor, for {@code sendfile}. */
record DarwinFile(int fd) {
}
