package io.sendchain.platform.darwin.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** macOS's bindings (which cannot be linked here) against a table written from its headers and man pages. */
class DarwinBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfMacOsHeaders() {
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
                // accept(2): int accept(int, struct sockaddr *restrict, socklen_t *restrict); no accept4 on macOS
                "accept      int(int,ptr,ptr)                   critical,errno",
                // <fcntl.h>: int fcntl(int, int, ...), int open(const char *, int, ...)
                "fcntl       int(int,int|int)                   critical,errno",
                "close       int(int)                           critical,errno",
                "open        int(ptr,int|int)                   errno",
                // <unistd.h>: long sysconf(int); <string.h>: char *strerror(int)
                "sysconf     long(int)                          errno",
                "strerror    ptr(int)                           -",
                // sendfile(2): int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr, int flags)
                "sendfile    int(int,int,long,ptr,ptr,int)      errno",
                // kqueue(2): int kqueue(void); int kevent(int, const struct kevent *, int, struct kevent *, int,
                // const struct timespec *), which waits
                "kqueue      int()                              errno",
                "kevent      int(int,ptr,int,ptr,int,ptr)       errno")
                .check(DarwinBindings.ALL, DarwinBindings::descriptor, DarwinBindings::options);
    }
}
