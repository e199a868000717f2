package io.sendchain.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged distribution runs without Maven: {@code sendchain-VERSION.tar.gz} unpacked into an empty directory,
 * {@code bin/sendchain} finds a JDK 25 (here through {@code JAVA_HOME}) and runs from {@code lib/}.
 */
@Timeout(120)
class DistributionIT {

    private record Run(int status, String output) {
    }

    private static Run run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("SENDCHAIN_JAVA_HOME");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        return new Run(p.exitValue(), out);
    }

    @Test
    void theArchiveUnpacksAndBinSendchainRunsFromIt(@TempDir Path dir) throws Exception {
        Path archive = Path.of(System.getProperty("sendchain.dist"));
        assertTrue(Files.isRegularFile(archive), archive + " was not built");
        Run untar = run(dir, List.of("tar", "-xzf", archive.toString()));
        assertEquals(0, untar.status(), untar.output());
        String name = archive.getFileName().toString().replace(".tar.gz", "");
        Path home = dir.resolve(name);
        Path launcher = home.resolve("bin/sendchain");
        assertTrue(Files.isExecutable(launcher) && Files.isExecutable(home.resolve("libexec/find-jdk"))
                && Files.isRegularFile(home.resolve("README.md"))
                && Files.isRegularFile(home.resolve("share/bash-completion/completions/sendchain")), home.toString());
        try (var jars = Files.list(home.resolve("lib"))) {
            assertTrue(jars.anyMatch(j -> j.getFileName().toString().startsWith("picocli-")), "lib/ has the jars");
        }

        Run version = run(dir, List.of(launcher.toString(), "--version"));
        assertEquals(0, version.status(), version.output());
        assertTrue(version.output().startsWith("sendchain " + name.substring("sendchain-".length()) + "\n"),
                version.output());

        Run platforms = run(dir, List.of(launcher.toString(), "platforms"));
        assertEquals(0, platforms.status(), platforms.output());
        assertTrue(platforms.output().contains("generic") && platforms.output().contains("selected "),
                platforms.output());

        Run typo = run(dir, List.of(launcher.toString(), "static", "--hlep"));
        assertEquals(2, typo.status(), typo.output());
        assertTrue(typo.output().contains("did you mean --help?"), typo.output());
    }
}
