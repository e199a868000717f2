package io.sendchain.platform.freebsd.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** FreeBSD's bindings (which cannot be linked here) against a table written from its headers and man pages. */
class FreeBsdBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfFreeBsdsHeaders() {
        BindingTable.posixAnd(
                // accept4(2): int accept4(int, struct sockaddr *restrict, socklen_t *restrict, int)
                "accept4     int(int,ptr,ptr,int)               critical,errno",
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
