package io.sendchain.pipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.buf.FileRef;
import io.sendchain.buf.Pool;
import io.sendchain.event.Connection;
import io.sendchain.output.ChainWriter;
import io.sendchain.spi.DriverEvents;
import io.sendchain.testkit.MemorySink;
import io.sendchain.testkit.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The event pipe's temp-file spill as the flight recorder sees it: one {@code sendchain.TempFileWrite} per write. */
@Timeout(60)
class TempFileSpillRecordedTest {

    @TempDir
    Path tmp;

    @Test
    void eachSpillWriteIsRecordedWithItsBytesAndTheFirstMakesTheFile() throws IOException {
        Pool pool = new Pool();
        ScriptedUpstream up = new ScriptedUpstream();
        Connection upstream = new Connection("upstream", up);
        Connection downstream = new Connection("downstream", new MemorySink());
        up.feed(TestFiles.pattern(100_000)).eof();
        ChainWriter writer = new ChainWriter(pool).connection(downstream);
        EventPipe pipe = new EventPipe(pool, upstream, downstream, new ManualTimers(), writer,
                PipeSettings.builder().bufs(2, 4096).busySize(4096).maxTempFileSize(1 << 20).tempFileWriteSize(8192)
                        .build());
        pipe.tempFiles(TempFiles.inDirectory(tmp, FileRef::open));
        Path file = tmp.resolve("rec.jfr");
        long spilled;
        try (Recording r = new Recording()) {
            r.enable("sendchain.TempFileWrite").withThreshold(Duration.ZERO);
            r.start();
            DriverEvents.ready(downstream.write(), false); // the client reads nothing: the pipe spills
            DriverEvents.ready(upstream.read(), true);
            pipe.run(false);
            spilled = pipe.tempFileOffset();
            r.stop();
            r.dump(file);
        } finally {
            pipe.close();
            pool.close();
        }
        assertTrue(spilled > 0, "the pipe spilled");
        List<RecordedEvent> writes = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("sendchain.TempFileWrite")).toList();
        assertFalse(writes.isEmpty());
        assertTrue(writes.get(0).getBoolean("created"), "the first write made the file");
        assertTrue(writes.stream().skip(1).noneMatch(e -> e.getBoolean("created")));
        assertEquals(spilled, writes.stream().mapToLong(e -> e.getLong("bytes")).sum());
        assertEquals(0, writes.get(0).getLong("offset"));
        assertTrue(writes.stream().allMatch(e -> e.getLong("bytes") <= 8192), "at most temp_file_write_size each");
    }
}
