/** sendchain's Linux platform: epoll, sendfile with TCP_CORK, thread-pool sendfile, all through FFM. */
module io.sendchain.platform.linux {
    requires io.sendchain.core;

    // the typed options users may set (LinuxOptions); the provider is found through 'provides'
    exports io.sendchain.platform.linux;

    provides io.sendchain.spi.PlatformProvider with io.sendchain.platform.linux.LinuxPlatformProvider;
}
