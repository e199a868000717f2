package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * One call of a connection's send chain that took at least the threshold (1 ms unless the settings say otherwise):
 * what the platform did in it, system call by system call, summed.
 */
@Name("sendchain.SendChain")
@Label("Send Chain Call")
@Description("A call of a connection's send chain (writev, sendfile or copy system calls until done, the limit, "
        + "or EAGAIN) that took at least the threshold")
@Category("sendchain")
@Threshold("1 ms")
@StackTrace(false)
final class SendChainEvent extends jdk.jfr.Event {

    @Label("Connection")
    String connection;

    @Label("Platform")
    @Description("The platform whose socket sent (linux, generic, freebsd, darwin, or the socket's class)")
    String platform;

    @Label("Limit")
    @Description("Most bytes this call could send (0: no limit)")
    @DataAmount
    long limit;

    @Label("Bytes")
    @Description("Bytes put on the socket by this call")
    @DataAmount
    long bytes;

    @Label("Writev Bytes")
    @Description("Bytes sent from memory (writev, send)")
    @DataAmount
    long writevBytes;

    @Label("Sendfile Bytes")
    @Description("Bytes sent from files by the kernel (sendfile, transferTo)")
    @DataAmount
    long sendfileBytes;

    @Label("Copy Bytes")
    @Description("Bytes of files read into memory and written, for want of a native descriptor")
    @DataAmount
    long copyBytes;

    @Label("System Calls")
    @Description("Write system calls made (EAGAIN included)")
    long calls;

    @Label("EAGAIN")
    @Description("Calls that found the socket full")
    long eagain;

    @Label("Done")
    @Description("Everything given was sent")
    boolean done;
}
