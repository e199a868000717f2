package io.sendchain.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The event pipe spilled upstream data to its temporary file. */
@Name("sendchain.TempFileWrite")
@Label("Pipe Temp File Write")
@Description("An event pipe wrote buffered upstream data to its temporary file (nginx's proxy_temp spill)")
@Category("sendchain")
@StackTrace(false)
final class TempFileWriteEvent extends jdk.jfr.Event {

    @Label("Created")
    @Description("This write made the file")
    boolean created;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Offset")
    @Description("Where in the file the bytes went")
    @DataAmount
    long offset;
}
