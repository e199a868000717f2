package io.sendchain.examples.http;

/**
 * Zero allocation per request on the static path, on the linux platform. Its FFM downcalls capture errno through
 * the JDK's call-state check, which slices the capture segment on every call: 40 bytes per call whenever C2 does
 * not scalar-replace the slice (seen from 0 to 144 bytes per request from run to run, for the calls of a request:
 * read, writev or send, sendfile, a share of epoll_wait). The bound leaves room for five; the generic platform's
 * test holds the request path itself to a tight one.
 */
class LinuxStaticServerAllocationTest extends StaticServerAllocationTest {

    @Override
    String platform() {
        return "linux";
    }

    @Override
    double maxBytesPerRequest() {
        return 5 * 40 + 8;
    }

    /**
     * Without the cache: the response's file ref and buf (about 250 bytes), the lookup's record for a found file, and
     * room for the errno-capture slices; {@code statx} makes no garbage, so a 404 makes none. Through
     * {@code java.nio.file} the same requests made 0.8-1.6 KB (a 404: its exception's stack trace).
     */
    @Override
    double maxBytesPerUncachedRequest() {
        return 520;
    }
}
