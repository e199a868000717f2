/** sendchain's FreeBSD platform: kqueue, sendfile with sf_hdtr, TCP_NOPUSH, SF_NODISKIO, all through FFM. */
module io.sendchain.platform.freebsd {
    requires io.sendchain.core;

    provides io.sendchain.spi.PlatformProvider with io.sendchain.platform.freebsd.FreeBsdPlatformProvider;
}
