/**
 * The POSIX toolkit for platform providers: the logic every POSIX platform shares, written once against small
 * kernel interfaces that each platform implements with its own FFM bindings. Nothing here links a native function,
 * so it runs on any OS; a platform module keeps its provider, probe, constants and layouts, its bindings and its
 * send chain (the nginx file it ports).
 *
 * <ul>
 *   <li>{@link io.sendchain.spi.posix.PosixKernel}: the calls every POSIX platform shares, in the kernel's
 *       convention (a result {@code >= 0} or {@code -errno}); {@link io.sendchain.spi.posix.PosixCalls} decides
 *       once how each is linked (critical or not, errno capture);</li>
 *   <li>{@link io.sendchain.spi.posix.PosixAbi}: the numbers the shared logic needs (errnos, socket constants,
 *       the sockaddr flavour, {@link io.sendchain.spi.posix.SockAddrCodec});</li>
 *   <li>{@link io.sendchain.spi.posix.PosixSockets}, {@link io.sendchain.spi.posix.PosixStreamSocket} and
 *       {@link io.sendchain.spi.posix.PosixListenSocket}: socket creation, recv, recvChain, single writes, the
 *       writev of a memory-only chain, errors naming the call and errno, EAGAIN/EINTR, accept;</li>
 *   <li>{@link io.sendchain.spi.posix.PosixScratch}: the thread's iovec scratch for one call;</li>
 *   <li>{@link io.sendchain.spi.posix.KqueueDriver}: nginx's kqueue module against a
 *       {@link io.sendchain.spi.posix.KqueueKernel} and a {@link io.sendchain.spi.posix.KqueueAbi}.</li>
 * </ul>
 */
package io.sendchain.spi.posix;
