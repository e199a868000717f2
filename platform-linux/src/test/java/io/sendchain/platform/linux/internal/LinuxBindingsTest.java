package io.sendchain.platform.linux.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** The linux bindings against a table written from glibc's headers and the man pages. */
class LinuxBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfGlibcsHeaders() {
        BindingTable.of(
                // <sys/uio.h>: ssize_t writev(int, const struct iovec *, int); readv alike
                "writev        long(int,ptr,int)          critical,errno",
                "readv         long(int,ptr,int)          critical,errno",
                // <unistd.h>: ssize_t read(int, void *, size_t), write alike; the buffer goes by its address
                "read          long(int,long,long)        critical,errno",
                "write         long(int,long,long)        critical,errno",
                // <sys/socket.h>: ssize_t send(int, const void *, size_t, int), the buffer by its address
                "send          long(int,long,long,int)    critical,errno",
                "setsockopt    int(int,int,int,ptr,int)   critical,errno",
                "getsockopt    int(int,int,int,ptr,ptr)   critical,errno",
                "socket        int(int,int,int)           errno",
                "bind          int(int,ptr,int)           errno",
                "listen        int(int,int)               errno",
                "accept4       int(int,ptr,ptr,int)       critical,errno",
                "connect       int(int,ptr,int)           errno",
                "getsockname   int(int,ptr,ptr)           errno",
                "getpeername   int(int,ptr,ptr)           errno",
                "shutdown      int(int,int)               critical,errno",
                "close         int(int)                   critical,errno",
                // <fcntl.h>: int open(const char *, int, ...)
                "open          int(ptr,int|int)           errno",
                "sysconf       long(int)                  errno",
                "strerror      ptr(int)                   -",
                // <sys/sendfile.h>: ssize_t sendfile64(int, int, off64_t *, size_t); it may wait for the disk
                "sendfile64    long(int,int,ptr,long)     errno",
                // <sys/epoll.h>, <sys/eventfd.h>; epoll_wait waits
                "epoll_create1 int(int)                   errno",
                "epoll_ctl     int(int,int,int,ptr)       critical,errno",
                "epoll_wait    int(int,ptr,int,int)       errno",
                "eventfd       int(int,int)               errno")
                .check(LinuxBindings.ALL, LinuxBindings::descriptor, LinuxBindings::options);
    }
}
