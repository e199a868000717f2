/** sendchain's FreeBSD platform: kqueue, sendfile with sf_hdtr, TCP_NOPUSH, SF_NODISKIO, all through FFM. */
module io.sendchain.platform.freebsd {
    requires io.sendchain.core;

    // the typed options users may set (FreeBsdOptions); the provider is found through 'provides'
    exports io.sendchain.platform.freebsd;

    provides io.sendchain.spi.PlatformProvider with io.sendchain.platform.freebsd.FreeBsdPlatformProvider;
}
