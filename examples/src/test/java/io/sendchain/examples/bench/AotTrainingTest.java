package io.sendchain.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.examples.http.Demo;
import io.sendchain.examples.http.StaticConfig;
import io.sendchain.examples.http.StaticServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The launcher's AOT training load against the static server: every kind of request is answered as it expects. */
class AotTrainingTest {

    @Test
    @Timeout(120)
    void everyRequestOfTheTrainingMixGetsTheStatusItExpects() throws Exception {
        Path root = Demo.extract();
        try {
            AotTraining.addTrainingFiles(root);
            try (StaticServer server = new StaticServer(StaticConfig.builder().root(root.toRealPath())
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).workers(1).build())) {
                server.start();
                AotTraining training = new AotTraining(1500, 100);
                assertNull(training.load(server.address()));
                assertEquals(1500, training.done());
                for (String kind : List.of("200", "206", "304", "404", "HEAD")) {
                    assertTrue(training.done(kind) > 0, "no " + kind + " answers in the mix");
                }
            }
        } finally {
            Demo.delete(root);
        }
    }
}
