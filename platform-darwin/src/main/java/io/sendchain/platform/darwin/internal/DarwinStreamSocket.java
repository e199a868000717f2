package io.sendchain.platform.darwin.internal;

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
 * A connected socket of the macOS platform. The send chain is nginx's {@code ngx_darwin_sendfile_chain}: a header
 * iovec and a coalesced file run go out in one {@code sendfile} with an {@code sf_hdtr}; a trailer iovec is built
 * only when there is no header and the limit is not reached (macOS's in/out {@code len} counts the headers on
 * input, so nginx does not mix both); memory-only chains use {@code writev}. kqueue's pending EOF fails the call
 * before any system call; EINTR resyncs and loops; a short send clears {@code ready}; success with nothing sent
 * means the file was truncated.
 *
 * <p>Reads, single writes, the writev of a memory-only chain and the rest are the POSIX toolkit's
 * ({@link PosixStreamSocket}); the gather lists and file run are the thread's ({@link PosixScratch}).
 */
final class DarwinStreamSocket extends PosixStreamSocket {

    private final DarwinKernel k;

    DarwinStreamSocket(DarwinPlatform platform, int fd, boolean connectPending) {
        super(platform.sockets(), fd, connectPending);
        this.k = platform.kernel();
    }

    @Override
    protected Chain sendChain(Connection c, Chain in, long limit, PosixScratch s) throws IOException {
        Event wev = c.write();
        failOnPendingEof(wev);
        limit = sendLimit(limit);
        long send = 0;
        for (;;) {
            boolean eintr = false;
            long prevSend = send;
            long sent;

            // the header iovec and a coalesced file run; a trailer iovec only without a header, under the limit
            if (s.gatherSendfile(in, limit - send, false)) {
                Buf file = s.run.first();
                long fileSize = s.run.size();
                send += s.header.size() + fileSize + s.trailer.size();
                // sendfile() returns EINVAL if a count is 0 but its pointer is not NULL
                s.hdtr();
                if (!(NativeFile.of(file.file()) instanceof DarwinFile df)) {
                    throw new IOException("file \"" + file.file() + "\" was not opened by the darwin "
                            + "platform (Platform.openFile): it has no descriptor for sendfile()");
                }
                // len in: header bytes and file bytes; len out: every byte sent
                s.word.set(ValueLayout.JAVA_LONG, 0, s.header.size() + fileSize);
                int rc = k.sendfile(df.fd(), fd(), file.filePos(), s.word, s.hdtr, 0);
                sent = s.word.get(ValueLayout.JAVA_LONG, 0);
                // headers and trailers that went with the file count as sendfile bytes
                Telemetry.call(c, Telemetry.Transfer.SENDFILE, sent, rc == -Darwin.EAGAIN);
                if (rc < 0) {
                    switch (-rc) {
                        case Darwin.EAGAIN -> {
                            // the bytes sent so far count; the short send below clears ready
                        }
                        case Darwin.EINTR -> eintr = true;
                        default -> throw error(wev, "sendfile", rc);
                    }
                }
                if (rc == 0 && sent == 0) {
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
}
