package io.sendchain.platform.freebsd;

import io.sendchain.platform.freebsd.internal.FreeBsdPlatform;
import io.sendchain.spi.PlatformOption;
import java.util.List;

/**
 * The options of the FreeBSD platform, for {@code PlatformConfig.with(option, value)}. (The platform declares
 * them; this class makes them public API.)
 */
public final class FreeBsdOptions {

    /** nginx's {@code ngx_freebsd_sendfile_nbytes_bug}: old kernels counted the headers in nbytes (bug 33771). */
    public static final PlatformOption<Boolean> NBYTES_BUG = FreeBsdPlatform.NBYTES_BUG;

    /** {@code SF_NODISKIO} while a socket's busy count is small; {@code EBUSY} retries on the next cycle. */
    public static final PlatformOption<Boolean> NODISKIO = FreeBsdPlatform.NODISKIO;

    /** {@code TCP_NOPUSH} while a file is sent, cleared after the last buf (nginx's {@code tcp_nopush}). */
    public static final PlatformOption<Boolean> TCP_NOPUSH = FreeBsdPlatform.TCP_NOPUSH;

    /** Every option the FreeBSD platform reads, as its provider declares them. */
    public static final List<PlatformOption<?>> ALL = FreeBsdPlatform.OPTIONS;

    private FreeBsdOptions() {
    }
}
