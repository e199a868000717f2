package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/**
 * A connection an event loop closed: its life, its traffic and why it ended. Off unless the settings turn it on
 * ({@code sendchain.jfc} does): one event per connection is a cost under connection churn that a recording with
 * the JDK's default settings should not pay.
 */
@Name("sendchain.Connection")
@Label("Connection Closed")
@Description("A connection closed by its event loop, with when it was added, its bytes and why it was closed")
@Category("sendchain")
@Enabled(false)
@StackTrace(false)
final class ConnectionEvent extends jdk.jfr.Event {

    @Label("Connection")
    String connection;

    @Label("Platform")
    String platform;

    @Label("Added")
    @Description("When the connection joined its loop (0: before the recording started)")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long added;

    @Label("Lifetime")
    @Description("From joining the loop to the close (0: joined before the recording started)")
    @Timespan(Timespan.NANOSECONDS)
    long lifetime;

    @Label("Bytes Sent")
    @DataAmount
    long sent;

    @Label("Bytes Received")
    @Description("Bytes read through the connection while recorded")
    @DataAmount
    long received;

    @Label("Writev Bytes")
    @DataAmount
    long writevBytes;

    @Label("Sendfile Bytes")
    @DataAmount
    long sendfileBytes;

    @Label("Copy Bytes")
    @DataAmount
    long copyBytes;

    @Label("Send Chain Calls")
    long sendChainCalls;

    @Label("System Calls")
    @Description("Write system calls made by its send chain")
    long calls;

    @Label("EAGAIN")
    long eagain;

    @Label("Responses")
    @Description("Last bufs (ends of responses) sent through its chain writer")
    long responses;

    @Label("Reason")
    @Description("client EOF, reset, timeout, error, handler failed, loop stopped or server close")
    String reason;

    @Label("Error")
    @Description("The last I/O error met on the connection, if any")
    String error;
}
