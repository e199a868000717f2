/**
 * sendchain core: bufs and chains, the output chain and chain writer, the connection and event model, and the
 * platform SPI that platform modules implement.
 */
module io.sendchain.core {
    requires transitive org.slf4j;
    // ExtendedOpenOption.DIRECT: O_DIRECT for nginx's directio
    requires jdk.unsupported;
    // flight-recorder events (io.sendchain.internal.jfr, not exported)
    requires jdk.jfr;

    exports io.sendchain.buf;
    exports io.sendchain.output;
    exports io.sendchain.event;
    exports io.sendchain.spi;
    exports io.sendchain.spi.posix;
    exports io.sendchain.loop;
    exports io.sendchain.pipe;
    exports io.sendchain.annotations;

    uses io.sendchain.spi.PlatformProvider;
}
