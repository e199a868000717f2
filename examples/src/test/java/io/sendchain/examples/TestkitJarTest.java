package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Core's testkit jar, as the build made it, holds the provider kit and nothing of core's own tests. */
class TestkitJarTest {

    @Test
    void theTestkitJarHoldsOnlyTheKitPackage() throws IOException {
        List<Path> jars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(p -> p.getFileName().toString().matches("sendchain-core-.*-testkit\\.jar"))
                .toList();
        Assumptions.assumeTrue(jars.size() == 1 && Files.isRegularFile(jars.getFirst()),
                "the testkit comes as a jar (a build to the package phase or later): " + jars);
        try (JarFile jar = new JarFile(jars.getFirst().toFile())) {
            List<String> strays = jar.stream().map(ZipEntry::getName)
                    .filter(n -> !n.startsWith("io/sendchain/testkit/") && !n.startsWith("META-INF/maven/")
                            && !List.of("io/", "io/sendchain/", "META-INF/", "META-INF/MANIFEST.MF").contains(n))
                    .toList();
            assertEquals(List.of(), strays, "entries outside io.sendchain.testkit");
            assertTrue(jar.getEntry("io/sendchain/testkit/SendChainContract.class") != null, "the contract suite");
            assertTrue(jar.stream().noneMatch(e -> e.getName().endsWith("Test.class")), "no test of core itself");
        }
    }
}
