/** sendchain's macOS platform: kqueue and sendfile with sf_hdtr, through FFM. */
module io.sendchain.platform.darwin {
    requires io.sendchain.core;

    provides io.sendchain.spi.PlatformProvider with io.sendchain.platform.darwin.DarwinPlatformProvider;
}
