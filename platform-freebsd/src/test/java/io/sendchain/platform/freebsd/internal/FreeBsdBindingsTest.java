package io.sendchain.platform.freebsd.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** FreeBSD's bindings (which cannot be linked here) against a table written from its headers and man pages. */
class FreeBsdBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfFreeBsdsHeaders() {
        BindingTable.of(
                // <sys/uio.h>: ssize_t writev(int, const struct iovec *, int); readv alike
                "writev      long(int,ptr,int)                  critical,errno",
                "readv       long(int,ptr,int)                  critical,errno",
                // <unistd.h>: ssize_t read(int, void *, size_t), write alike; the buffer goes by its address
                "read        long(int,long,long)                critical,errno",
                "write       long(int,long,long)                critical,errno",
                // <sys/socket.h>: setsockopt(int, int, int, const void *, socklen_t), getsockopt(.., socklen_t *)
                "setsockopt  int(int,int,int,ptr,int)           critical,errno",
                "getsockopt  int(int,int,int,ptr,ptr)           critical,errno",
                "socket      int(int,int,int)                   errno",
                "bind        int(int,ptr,int)                   errno",
                "listen      int(int,int)                       errno",
                "connect     int(int,ptr,int)                   errno",
                "getsockname int(int,ptr,ptr)                   errno",
                "getpeername int(int,ptr,ptr)                   errno",
                "shutdown    int(int,int)                       critical,errno",
                // accept4(2): int accept4(int, struct sockaddr *restrict, socklen_t *restrict, int)
                "accept4     int(int,ptr,ptr,int)               critical,errno",
                "close       int(int)                           critical,errno",
                // <fcntl.h>: int open(const char *, int, ...)
                "open        int(ptr,int|int)                   errno",
                // <unistd.h>: long sysconf(int); <string.h>: char *strerror(int)
                "sysconf     long(int)                          errno",
                "strerror    ptr(int)                           -",
                // sendfile(2): int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr,
                // off_t *sbytes, int flags); it may wait for the disk without SF_NODISKIO
                "sendfile    int(int,int,long,long,ptr,ptr,int) errno",
                // kqueue(2): int kqueue(void); int kevent(int, const struct kevent *, int, struct kevent *, int,
                // const struct timespec *), which waits
                "kqueue      int()                              errno",
                "kevent      int(int,ptr,int,ptr,int,ptr)       errno")
                .check(FreeBsdBindings.ALL, FreeBsdBindings::descriptor, FreeBsdBindings::options);
    }
}
