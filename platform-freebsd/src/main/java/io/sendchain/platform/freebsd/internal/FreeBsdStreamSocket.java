package io.sendchain.platform.freebsd.internal;

import io.sendchain.buf.Buf;
import io.sendchain.buf.Chain;
import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.spi.Chains;
import io.sendchain.spi.DriverEvents;
import io.sendchain.spi.Telemetry;
import io.sendchain.spi.NativeFile;
import io.sendchain.spi.posix.PosixScratch;
import io.sendchain.spi.posix.PosixStreamSocket;
import java.io.IOException;
import java.lang.foreign.ValueLayout;

/**
 * A connected socket of the FreeBSD platform. The send chain is nginx's {@code ngx_freebsd_sendfile_chain}
 * (current behaviour): header iovec, a coalesced file run and a trailer iovec (built only while under the limit)
 * go out in one {@code sendfile} with an {@code sf_hdtr}; memory-only chains with {@code writev}.
 *
 * <ul>
 *   <li>kqueue's pending EOF fails the call before any system call is made;</li>
 *   <li>TCP_NOPUSH is set when a file is sent and the connection allows it (an interrupted setsockopt is
 *       tolerated), and cleared by {@link #push}, which the write filter calls after the response's last buf;</li>
 *   <li>the old "nbytes bug" (http://bugs.freebsd.org/33771: nbytes counted the headers) is a platform option;</li>
 *   <li>SF_NODISKIO while the socket's busy count is at most 2; EBUSY bumps the count when nothing was sent,
 *       posts the write event to the next cycle and returns;</li>
 *   <li>EAGAIN is a hint: {@code ready} is cleared even after a partial send; EINTR resyncs and loops; success
 *       with nothing sent means the file was truncated: an error, never a spin.</li>
 * </ul>
 *
 * <p>Reads, single writes, the writev of a memory-only chain and the rest are the POSIX toolkit's
 * ({@link PosixStreamSocket}); the gather lists and file run are the thread's ({@link PosixScratch}).
 */
final class FreeBsdStreamSocket extends PosixStreamSocket {

    private final FreeBsdPlatform platform;
    private final FreeBsdKernel k;
    private int busyCount;
    /** TCP_NOPUSH is on (nginx's NGX_TCP_NOPUSH_SET); whether it may be set is the connection's {@code nopush}. */
    private boolean nopush;

    FreeBsdStreamSocket(FreeBsdPlatform platform, int fd, boolean connectPending) {
        super(platform.sockets(), fd, connectPending);
        this.platform = platform;
        this.k = platform.kernel();
    }

    /** Consecutive EBUSY results with nothing sent (nginx's {@code c->busy_count}). */
    int busyCount() {
        return busyCount;
    }

    @Override
    protected Chain sendChain(Connection c, Chain in, long limit, PosixScratch s) throws IOException {
        Event wev = c.write();
        failOnPendingEof(wev);
        limit = sendLimit(limit);
        long send = 0;
        for (;;) {
            boolean eintr = false;
            boolean eagain = false;
            boolean ebusy = false;
            long prevSend = send;
            long sent;

            // the header iovec, a coalesced file run and the trailer iovec (built only while under the limit)
            if (s.gatherSendfile(in, limit - send, true)) {
                Buf file = s.run.first();
                long fileSize = s.run.size();
                send += s.header.size() + fileSize + s.trailer.size();

                if (platform.tcpNopush() && c.nopush() && !nopush) {
                    int rc = k.setsockopt(fd(), FreeBsd.IPPROTO_TCP, FreeBsd.TCP_NOPUSH, 1);
                    if (rc < 0) {
                        if (rc != -FreeBsd.EINTR) {
                            throw error(wev, "setsockopt(TCP_NOPUSH)", rc);
                        }
                        // a tiny chance to be interrupted: go on without TCP_NOPUSH
                    } else {
                        nopush = true;
                    }
                }

                s.hdtr();
                // the "nbytes bug" of the old sendfile(): nbytes had to count the headers too
                long nbytes = fileSize + (platform.nbytesBug() ? s.header.size() : 0);
                int flags = platform.nodiskio() && busyCount <= 2 ? FreeBsd.SF_NODISKIO : 0;
                if (!(NativeFile.of(file.file()) instanceof FreeBsdFile ff)) {
                    throw new IOException("file \"" + file.file() + "\" was not opened by the freebsd "
                            + "platform (Platform.openFile): it has no descriptor for sendfile()");
                }
                s.word.set(ValueLayout.JAVA_LONG, 0, 0);
                int rc = k.sendfile(ff.fd(), fd(), file.filePos(), nbytes, s.hdtr, s.word, flags);
                sent = s.word.get(ValueLayout.JAVA_LONG, 0);
                // headers and trailers that went with the file count as sendfile bytes
                Telemetry.call(c, Telemetry.Transfer.SENDFILE, sent, rc == -FreeBsd.EAGAIN);
                if (rc < 0) {
                    switch (-rc) {
                        case FreeBsd.EAGAIN -> eagain = true;
                        case FreeBsd.EINTR -> eintr = true;
                        case FreeBsd.EBUSY -> ebusy = true;
                        default -> throw error(wev, "sendfile", rc);
                    }
                } else if (sent == 0) {
                    // success with nothing sent: the offset is beyond the end, someone truncated the file
                    DriverEvents.error(wev, true);
                    throw new IOException("sendfile() reported that \"" + file.file() + "\" was truncated at "
                            + file.filePos());
                }
            } else {
                send += s.header.size();
                long n = writev(c, s);
                sent = n == AGAIN_RC ? 0 : n;
            }

            DriverEvents.addSent(c, sent);
            in = Chains.updateSent(in, sent);

            if (ebusy) {
                // the pages are not in memory yet: come back next cycle; after three empty tries, allow disk I/O
                if (sent == 0) {
                    busyCount++;
                } else {
                    busyCount = 0;
                }
                wev.postNextCycle();
                return in;
            }
            busyCount = 0;

            if (eagain) {
                // EAGAIN even after sending a whole part means the next call would send nothing: a hint
                DriverEvents.ready(wev, false);
                return in;
            }
            if (eintr) {
                send = prevSend + sent;
                continue;
            }
            if (send - prevSend != sent) {
                DriverEvents.ready(wev, false);
                return in;
            }
            if (send >= limit || in == null || send == prevSend) {
                return in;
            }
        }
    }

    /**
     * The last buf is out and the connection stays open (the write filter calls this): clear TCP_NOPUSH so the
     * tail leaves now (nginx's ngx_tcp_push).
     */
    @Override
    public void push(Connection c) throws IOException {
        if (!nopush) {
            return;
        }
        int rc = k.setsockopt(fd(), FreeBsd.IPPROTO_TCP, FreeBsd.TCP_NOPUSH, 0);
        if (rc < 0) {
            throw error(c.write(), "setsockopt(!TCP_NOPUSH)", rc);
        }
        nopush = false;
    }

    /** Whether TCP_NOPUSH is on; for tests. */
    boolean nopushSet() {
        return nopush;
    }
}
