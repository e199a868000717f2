package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** An acceptor's pause or retry delay ended: it accepts again. */
@Name("sendchain.AcceptResumed")
@Label("Accept Resumed")
@Description("A listener accepts again after a pause (EMFILE/ENFILE) or a retry delay")
@Category("sendchain")
@StackTrace(false)
final class AcceptResumedEvent extends jdk.jfr.Event {

    @Label("Listener")
    String listener;

    @Label("Stopped")
    @Description("How long accepting stood still")
    @Timespan(Timespan.NANOSECONDS)
    long stopped;
}
