package io.sendchain.platform.linux.internal;

/**
 * The Linux system calls of zero-copy relay ({@link LinuxSplicer}), in the kernel's convention (a result
 * {@code >= 0}, or {@code -errno}). Apart from {@link LinuxKernel} so that the platform's test kernels need not
 * implement them: a platform whose kernel is not a {@code SpliceKernel} simply does not splice. {@link Syscalls}
 * makes them through FFM.
 */
interface SpliceKernel {

    /** {@code splice(fdIn, NULL, fdOut, NULL, len, flags)}: between a pipe and a socket, so no offsets. */
    long splice(int fdIn, int fdOut, long len, int flags);

    /**
     * {@code pipe2(fds, flags)}: the two descriptors packed as {@code readFd | (long) writeFd << 32}, or
     * {@code -errno}.
     */
    long pipe2(int flags);

    /** {@code fcntl(fd, cmd, arg)} with an {@code int} argument. */
    int fcntl(int fd, int cmd, int arg);
}
