package io.sendchain.platform.generic;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.event.ListenSocket;
import io.sendchain.event.StreamSocket;
import io.sendchain.spi.IoDriver;
import io.sendchain.spi.Platform;
import io.sendchain.testkit.EventLoopContract;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event-loop contract catches a driver that never reports a socket writable again, and fails instead of
 * hanging: the generic platform with its write reports dropped runs the slow-reader test, which must fail within
 * its stall bound.
 */
@Timeout(60)
class EventLoopContractBoundTest {

    /** The generic platform, but its driver hands the loop read reports only. */
    private static final class NoWriteReports implements Platform {
        private final GenericPlatform p = new GenericPlatform(NioKernel.REAL);

        @Override
        public String name() {
            return "generic-without-write-reports";
        }

        @Override
        public IoDriver newDriver() throws IOException {
            IoDriver d = p.newDriver();
            return new IoDriver() {
                @Override
                public void register(Connection c) throws IOException {
                    d.register(c);
                }

                @Override
                public void deregister(Connection c) throws IOException {
                    d.deregister(c);
                }

                @Override
                public void forget(Connection c) throws IOException {
                    d.forget(c);
                }

                @Override
                public void poll(long timeoutMillis, Consumer<Event> sink) throws IOException {
                    d.poll(timeoutMillis, ev -> {
                        if (ev != ev.connection().write()) {
                            sink.accept(ev);
                        }
                    });
                }

                @Override
                public void wakeup() {
                    d.wakeup();
                }

                @Override
                public void close() throws IOException {
                    d.close();
                }
            };
        }

        @Override
        public ListenSocket listen(InetSocketAddress address, int backlog) throws IOException {
            return p.listen(address, backlog);
        }

        @Override
        public StreamSocket connect(InetSocketAddress address) throws IOException {
            return p.connect(address);
        }

        @Override
        public StreamSocket adopt(SocketChannel channel) throws IOException {
            return p.adopt(channel);
        }

        @Override
        public FileRef openFile(Path path) throws IOException {
            return p.openFile(path);
        }

        @Override
        public void close() throws IOException {
            p.close();
        }
    }

    @TempDir
    Path tmp;

    @Test
    void aDriverThatNeverReportsWritabilityFailsTheSlowReaderTestWithinItsStallBound() throws Exception {
        EventLoopContract contract = new EventLoopContract() {
            {
                dir = tmp;
            }

            @Override
            protected Platform openPlatform() {
                return new NoWriteReports();
            }

            @Override
            protected int stallMillis() {
                return 2_000;
            }
        };
        contract.startServer();
        try {
            AssertionError e = assertThrows(AssertionError.class,
                    contract::aSlowReaderGetsTheWholeResponseAsWriteEventsResumeTheOutput);
            assertTrue(e.getMessage().contains("does the driver report a socket writable again"), e.getMessage());
        } finally {
            contract.stopServer();
        }
    }
}
