package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A task of an {@code aio threads} pool waited in the queue at least the threshold (1 ms unless the settings say
 * otherwise): its duration is the wait, from the loop's hand-off to the start on the pool thread (the event's thread).
 */
@Name("sendchain.ThreadPoolWait")
@Label("Thread Pool Queue Wait")
@Description("A file read or sendfile offloaded to a thread pool waited in its queue; the duration is the wait")
@Category("sendchain")
@Threshold("1 ms")
@StackTrace(false)
final class ThreadPoolWaitEvent extends jdk.jfr.Event {

    @Label("Task")
    @Description("file read or sendfile")
    String task;

    @Label("Bytes")
    @Description("Bytes the task was asked to move")
    @DataAmount
    long bytes;
}
