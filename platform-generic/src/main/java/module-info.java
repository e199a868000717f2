/** sendchain's portable platform: NIO channels, a Selector made edge-triggered, transferTo for files. */
module io.sendchain.platform.generic {
    requires io.sendchain.core;

    provides io.sendchain.spi.PlatformProvider with io.sendchain.platform.generic.GenericPlatformProvider;
}
