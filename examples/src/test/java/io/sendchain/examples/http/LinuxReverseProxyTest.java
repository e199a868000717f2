package io.sendchain.examples.http;

/** The reverse proxy end to end on the Linux platform (epoll, writev, sendfile of temp files); skipped elsewhere. */
class LinuxReverseProxyTest extends ReverseProxyTest {

    @Override
    String platform() {
        return "linux";
    }
}
