package io.sendchain.platform.linux.internal;

import java.lang.foreign.MemorySegment;

/** A kernel that forwards every call; tests override the calls they observe or disturb. */
class DelegatingKernel implements LinuxKernel {

    private final LinuxKernel real;

    DelegatingKernel(LinuxKernel real) {
        this.real = real;
    }

    @Override
    public long writev(int fd, MemorySegment iov, int iovcnt) {
        return real.writev(fd, iov, iovcnt);
    }

    @Override
    public long readv(int fd, MemorySegment iov, int iovcnt) {
        return real.readv(fd, iov, iovcnt);
    }

    @Override
    public long read(int fd, long address, long count) {
        return real.read(fd, address, count);
    }

    @Override
    public long write(int fd, long address, long count) {
        return real.write(fd, address, count);
    }

    @Override
    public long send(int fd, long address, long count, int flags) {
        return real.send(fd, address, count, flags);
    }

    @Override
    public long sendfile(int outFd, int inFd, long offset, long count) {
        return real.sendfile(outFd, inFd, offset, count);
    }

    @Override
    public int setsockopt(int fd, int level, int name, int value) {
        return real.setsockopt(fd, level, name, value);
    }

    @Override
    public long getsockopt(int fd, int level, int name) {
        return real.getsockopt(fd, level, name);
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return real.socket(domain, type, protocol);
    }

    @Override
    public int bind(int fd, MemorySegment addr, int addrlen) {
        return real.bind(fd, addr, addrlen);
    }

    @Override
    public int listen(int fd, int backlog) {
        return real.listen(fd, backlog);
    }

    @Override
    public int accept4(int fd, int flags) {
        return real.accept4(fd, flags);
    }

    @Override
    public int connect(int fd, MemorySegment addr, int addrlen) {
        return real.connect(fd, addr, addrlen);
    }

    @Override
    public int sockname(int fd, boolean peer, MemorySegment addr) {
        return real.sockname(fd, peer, addr);
    }

    @Override
    public int shutdown(int fd, int how) {
        return real.shutdown(fd, how);
    }

    @Override
    public int close(int fd) {
        return real.close(fd);
    }

    @Override
    public int open(String path, int flags) {
        return real.open(path, flags);
    }

    @Override
    public int statx(int dirfd, String path, int flags, int mask, MemorySegment statxbuf) {
        return real.statx(dirfd, path, flags, mask, statxbuf);
    }

    @Override
    public int epollCreate1(int flags) {
        return real.epollCreate1(flags);
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        return real.epollCtl(epfd, op, fd, event);
    }

    @Override
    public int epollWait(int epfd, MemorySegment events, int maxevents, int timeoutMillis) {
        return real.epollWait(epfd, events, maxevents, timeoutMillis);
    }

    @Override
    public int eventfd(int initval, int flags) {
        return real.eventfd(initval, flags);
    }

    @Override
    public long sysconf(int name) {
        return real.sysconf(name);
    }

    @Override
    public String strerror(int errno) {
        return real.strerror(errno);
    }
}
