package io.sendchain.platform.linux;

import io.sendchain.platform.linux.internal.LinuxPlatform;
import io.sendchain.spi.PlatformOption;
import io.sendchain.spi.StandardPlatformOptions;
import java.util.List;

/**
 * The options of the linux platform, for {@code PlatformConfig.with(option, value)}: its own, and the standard
 * ones it supports. (The platform declares them; this class makes them public API.)
 */
public final class LinuxOptions {

    /**
     * Not from nginx: a header (one iovec entry) in front of a file of at most this many bytes goes out with
     * {@code MSG_MORE} instead of between {@code TCP_CORK} on and off, two system calls fewer; 0 (the default)
     * always corks, as nginx does.
     */
    public static final PlatformOption<Long> MORE_MAX = LinuxPlatform.MORE_MAX;

    /** nginx's {@code aio threads}: {@link StandardPlatformOptions#AIO_THREADS}. */
    public static final PlatformOption<Integer> AIO_THREADS = StandardPlatformOptions.AIO_THREADS;

    /** Every option the linux platform reads, as its provider declares them. */
    public static final List<PlatformOption<?>> ALL = LinuxPlatform.OPTIONS;

    private LinuxOptions() {
    }
}
