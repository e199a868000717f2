package io.sendchain.platform.linux.internal;

/** The native handle of a file the linux platform opened: its descriptor, for {@code sendfile}. */
record LinuxFile(int fd) {
}
