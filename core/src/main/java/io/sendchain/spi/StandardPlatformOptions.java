package io.sendchain.spi;

/**
 * Options more than one platform may understand, so portable code can set them typed without naming a platform.
 * A platform supports one only if it lists it in {@link PlatformProvider#options()}; see
 * {@link PlatformRegistry.Candidate#supports(PlatformOption)}. Options of one platform only are declared by
 * that platform's module.
 */
public final class StandardPlatformOptions {

    /** nginx's {@code aio threads}: the size of the thread pool that runs sendfile off the event loop. */
    public static final PlatformOption<Integer> AIO_THREADS = PlatformOption.ofInt("aio.threads", 0,
            Integer.MAX_VALUE, 0, "threads that run sendfile off the event loop, nginx's aio threads; "
                    + "0: sendfile on the loop thread");

    private StandardPlatformOptions() {
    }
}
