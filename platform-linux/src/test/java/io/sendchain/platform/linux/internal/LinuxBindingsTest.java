package io.sendchain.platform.linux.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** The linux bindings against a table written from glibc's headers and the man pages. */
class LinuxBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfGlibcsHeaders() {
        BindingTable.posixAnd(
                // <sys/socket.h>: ssize_t send(int, const void *, size_t, int), the buffer by its address
                "send          long(int,long,long,int)    critical,errno",
                "accept4       int(int,ptr,ptr,int)       critical,errno",
                // <sys/sendfile.h>: ssize_t sendfile64(int, int, off64_t *, size_t); it may wait for the disk
                "sendfile64    long(int,int,ptr,long)     errno",
                // <sys/epoll.h>, <sys/eventfd.h>; epoll_wait waits
                "epoll_create1 int(int)                   errno",
                "epoll_ctl     int(int,int,int,ptr)       critical,errno",
                "epoll_wait    int(int,ptr,int,int)       errno",
                "eventfd       int(int,int)               errno",
                // <fcntl.h>: ssize_t splice(int, loff_t *, int, loff_t *, size_t, unsigned int), non-blocking;
                // int pipe2(int [2], int); int fcntl(int, int, ...)
                "splice        long(int,ptr,int,ptr,long,int) critical,errno",
                "pipe2         int(ptr,int)               errno",
                "fcntl         int(int,int|int)           critical,errno",
                // <sys/stat.h>: int statx(int, const char *, int, unsigned int, struct statx *); it may wait
                "statx         int(int,ptr,int,int,ptr)   errno")
                .check(LinuxBindings.ALL, LinuxBindings::descriptor, LinuxBindings::options);
    }
}
