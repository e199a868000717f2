package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * What the send chains of one thread (an event loop's) did since the previous event of that thread, emitted every
 * period (1 s unless the settings say otherwise) for each thread that sent meanwhile.
 */
@Name("sendchain.SendStatistics")
@Label("Send Statistics")
@Description("Send-chain calls, system calls, EAGAINs and bytes by kind of one event loop thread since its "
        + "previous event")
@Category("sendchain")
@Period("1 s")
@StackTrace(false)
final class SendStatisticsEvent extends jdk.jfr.Event {

    @Label("Loop")
    @Description("The thread that sent: an event loop's thread is named after the loop")
    String loop;

    @Label("Send Chain Calls")
    long sendChainCalls;

    @Label("System Calls")
    long calls;

    @Label("EAGAIN")
    long eagain;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Writev Bytes")
    @DataAmount
    long writevBytes;

    @Label("Sendfile Bytes")
    @DataAmount
    long sendfileBytes;

    @Label("Copy Bytes")
    @DataAmount
    long copyBytes;
}
