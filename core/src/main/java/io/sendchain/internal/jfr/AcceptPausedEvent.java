package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** An acceptor stopped accepting after an error of the whole process or system (EMFILE, ENFILE, ENOBUFS, ...). */
@Name("sendchain.AcceptPaused")
@Label("Accept Paused")
@Description("A listener stopped accepting: paused for EMFILE/ENFILE, or waiting to retry after ENOBUFS, ENOMEM "
        + "or another error")
@Category("sendchain")
@StackTrace(false)
final class AcceptPausedEvent extends jdk.jfr.Event {

    @Label("Listener")
    String listener;

    @Label("Errno")
    @Description("The error's portable class (EMFILE, ENFILE, ENOBUFS, ENOMEM, OTHER)")
    String errno;

    @Label("Message")
    String message;

    @Label("Delay")
    @Description("When accepting resumes at the latest")
    @Timespan(Timespan.MILLISECONDS)
    long delay;
}
