package io.sendchain.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sendchain.event.Connection;
import io.sendchain.spi.Errno;
import io.sendchain.spi.ErrnoException;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.loop.Acceptor;
import io.sendchain.loop.EventLoop;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Accepting on a platform: a failed accept is reported as an {@link ErrnoException} of the right {@link Errno} class
 * and leaves the listener usable; core's {@link Acceptor}, on the platform's own driver, pauses on EMFILE and when
 * the pause ends accepts the connections that arrived meanwhile (which an edge-triggered driver does not report
 * again) and is told of new ones again; {@code SO_REUSEPORT} listeners share an address where the platform has them.
 * Part of the provider contract: a platform module subclasses it.
 */
@Timeout(120)
public abstract class AcceptContract {

    /** The platform under test. */
    protected abstract Platform openPlatform() throws IOException;

    /**
     * Makes the next {@code count} accept calls on {@code ls} fail with EMFILE the way the platform's kernel reports
     * it, leaving pending connections queued.
     *
     * @return {@code false} if this platform's tests cannot inject that (the tests that need it are skipped)
     */
    protected abstract boolean failNextAccepts(ListenSocket ls, int count);

    private Platform platform;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        platform = openPlatform();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        platform.close();
    }

    private ListenSocket listen(InetSocketAddress address, boolean reusePort) throws IOException {
        ListenSocket ls = platform.listen(address, 64, reusePort);
        toClose.add(ls);
        return ls;
    }

    private static InetSocketAddress anyPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private Socket connect(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        toClose.add(s);
        s.connect(to, 10_000);
        return s;
    }

    /** Waits for {@code condition}, checking it every millisecond, for at most 10 s. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void onLoop(EventLoop loop, Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException | AssertionError e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    public void aFailedAcceptIsReportedTypedAndTheListenerStaysUsable() throws Exception {
        ListenSocket ls = listen(anyPort(), false);
        assumeTrue(failNextAccepts(ls, 1), "this platform cannot inject accept failures");
        Connection lc = new Connection("listener", ls);
        connect(ls.localAddress());
        ErrnoException e = assertThrows(ErrnoException.class, () -> ls.accept(lc));
        assertEquals(Errno.EMFILE, e.kind());
        assertEquals(e.call() + "() failed: Too many open files", e.getMessage());
        assertTrue(ls.isOpen());
        try (IoDriver d = platform.newDriver()) {
            d.register(lc);
            StreamSocket s;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((s = ls.accept(lc)) == null) {
                assertTrue(System.nanoTime() < deadline, "the pending connection is accepted after the failure");
                d.poll(100, ev -> { });
            }
            s.close();
            d.deregister(lc);
        }
    }

    @Test
    public void anAcceptorPausedByEmfileAcceptsWhatArrivedMeanwhileWhenThePauseEndsAndNewArrivalsAfter()
            throws Exception {
        ListenSocket ls = listen(anyPort(), false);
        assumeTrue(failNextAccepts(ls, 1), "this platform cannot inject accept failures");
        EventLoop loop = new EventLoop(getClass().getSimpleName(), platform.newDriver());
        loop.start();
        toClose.add(() -> { // before the listener is closed again (closing twice does nothing)
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
        });
        BlockingQueue<StreamSocket> accepted = new LinkedBlockingQueue<>();
        Acceptor acceptor = new Acceptor(loop, new Connection("listener", ls), s -> {
            accepted.add(s);
            s.close(); // only the accept matters here
        }, new Acceptor.Settings(60_000, 60_000, 1000));
        onLoop(loop, () -> {
            try {
                acceptor.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        InetSocketAddress address = ls.localAddress();

        connect(address);
        await("EMFILE paused the acceptor", acceptor::paused);
        connect(address); // these two wait in the backlog: no accept while paused
        connect(address);
        assertTrue(accepted.isEmpty());
        assertTrue(acceptor.paused());

        // end the pause now instead of in a minute: the timer's handler must accept all three, unprompted
        onLoop(loop, () -> loop.addTimer(acceptor.listener().read(), 0));
        for (int i = 0; i < 3; i++) {
            assertNotNull(accepted.poll(10, TimeUnit.SECONDS), "connection " + (i + 1) + " accepted after the pause");
        }
        assertFalse(acceptor.paused());

        connect(address);
        assertNotNull(accepted.poll(10, TimeUnit.SECONDS), "a later connection is reported and accepted");
        assertEquals(4, acceptor.accepted());
        assertEquals(1, acceptor.pauses());
        assertEquals(1, acceptor.failures(Errno.EMFILE));
    }

    @Test
    public void reusePortListenersShareTheAddressAndTheKernelSpreadsConnectionsAmongThem() throws Exception {
        assumeTrue(platform.supportsReusePort(), "this platform has no balancing SO_REUSEPORT");
        ListenSocket a = listen(anyPort(), true);
        ListenSocket b = listen(a.localAddress(), true);
        assertEquals(a.localAddress(), b.localAddress());
        Connection la = new Connection("a", a);
        Connection lb = new Connection("b", b);
        int clients = 64;
        for (int i = 0; i < clients; i++) {
            connect(a.localAddress());
        }
        int[] got = new int[2];
        try (IoDriver d = platform.newDriver()) {
            d.register(la);
            d.register(lb);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got[0] + got[1] < clients) {
                assertTrue(System.nanoTime() < deadline, "accepted " + got[0] + " + " + got[1] + " of " + clients);
                for (int i = 0; i < 2; i++) {
                    Connection lc = i == 0 ? la : lb;
                    StreamSocket s;
                    while ((s = lc.listener().accept(lc)) != null) {
                        got[i]++;
                        s.close();
                    }
                }
                d.poll(100, ev -> { });
            }
            d.deregister(la);
            d.deregister(lb);
        }
        // 64 connections hashed over two sockets: all on one has probability 2^-63
        assertTrue(got[0] > 0 && got[1] > 0, "both listeners accepted: " + got[0] + " + " + got[1]);
    }

    @Test
    public void withoutReusePortASecondListenerOnTheAddressIsRefused() throws IOException {
        ListenSocket a = listen(anyPort(), false);
        assertThrows(IOException.class, () -> listen(a.localAddress(), false));
        if (!platform.supportsReusePort()) {
            assertThrows(UnsupportedOperationException.class, () -> listen(anyPort(), true));
        }
    }
}
