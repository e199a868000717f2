package io.sendchain.examples.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The demo site bundled in the examples jar, copied to a temporary directory to be served. */
public final class Demo {

    static final List<String> FILES = List.of("index.html", "style.css", "hello.txt", "sendchain.svg",
            "docs/index.html");

    private Demo() {
    }

    /** Copies the bundled demo site into a new temporary directory and returns it. */
    public static Path extract() throws IOException {
        Path dir = Files.createTempDirectory("sendchain-demo");
        for (String name : FILES) {
            try (InputStream in = Demo.class.getResourceAsStream("/demo/" + name)) {
                if (in == null) {
                    throw new IOException("the bundled demo file " + name + " is missing from the class path");
                }
                Path target = dir.resolve(name);
                Files.createDirectories(target.getParent());
                Files.copy(in, target);
            }
        }
        return dir;
    }

    /** Deletes a directory made by {@link #extract()}. */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
