package io.sendchain.event;

import io.sendchain.buf.Chain;
import java.io.IOException;

/**
 * A platform's way of putting a chain on a connection's socket: nginx's {@code c->send_chain}
 * ({@code ngx_writev_chain}, {@code ngx_linux_sendfile_chain}, ...).
 *
 * <p>Contract, common to every implementation:
 * <ul>
 *   <li>Returns at once with {@code in} unchanged when the write event is not ready.</li>
 *   <li>Sends at most {@code limit} bytes ({@code 0} means no limit), except that a file run cut by the limit
 *       may be rounded up to a page boundary.</li>
 *   <li>Advances the bufs it sent ({@code Chains.updateSent}), adds the bytes to {@link Connection#sent()}
 *       and returns the first link not fully sent, or {@code null} when all is sent.</li>
 *   <li>Clears the write event's {@code ready} flag when the kernel would block (EAGAIN); a short write
 *       with no EAGAIN behaves as the platform's nginx counterpart does.</li>
 *   <li>Retries a call interrupted by a signal (EINTR).</li>
 *   <li>Throws an {@link IOException} naming the system call and the error for anything else, and sets the
 *       write event's {@code error} flag.</li>
 * </ul>
 */
@FunctionalInterface
public interface SendChain {

    /** Sends from {@code in} on {@code c}; returns the first link not fully sent, or {@code null}. */
    Chain send(Connection c, Chain in, long limit) throws IOException;

    /**
     * The response's last buf has been sent and the connection stays open: let out at once what the platform held
     * back for it (nginx's {@code ngx_tcp_push}: {@code TCP_CORK} off on linux, {@code TCP_NOPUSH} off on FreeBSD).
     * Called by the write filter ({@code io.sendchain.output.WriteFilter}) once per response, never on a connection
     * that {@linkplain Connection#closeAfterOutput() closes after its output}. Nothing to do by default.
     *
     * @throws IOException naming the call and the error, with the write event's {@code error} flag set
     */
    default void push(Connection c) throws IOException {
    }
}
