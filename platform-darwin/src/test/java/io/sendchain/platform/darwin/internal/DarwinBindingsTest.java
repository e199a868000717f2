package io.sendchain.platform.darwin.internal;

import io.sendchain.testkit.BindingTable;
import org.junit.jupiter.api.Test;

/** macOS's bindings (which cannot be linked here) against a table written from its headers and man pages. */
class DarwinBindingsTest {

    @Test
    void everyBindingHasTheSignatureAndLinkOptionsOfMacOsHeaders() {
        BindingTable.posixAnd(
                // accept(2): int accept(int, struct sockaddr *restrict, socklen_t *restrict); no accept4 on macOS
                "accept      int(int,ptr,ptr)                   critical,errno",
                // <fcntl.h>: int fcntl(int, int, ...)
                "fcntl       int(int,int|int)                   critical,errno",
                // sendfile(2): int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr, int flags)
                "sendfile    int(int,int,long,ptr,ptr,int)      errno",
                // kqueue(2): int kqueue(void); int kevent(int, const struct kevent *, int, struct kevent *, int,
                // const struct timespec *), which waits
                "kqueue      int()                              errno",
                "kevent      int(int,ptr,int,ptr,int,ptr)       errno")
                .check(DarwinBindings.ALL, DarwinBindings::descriptor, DarwinBindings::options);
    }
}
