package io.sendchain.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;

/**
 * Writes the bash completion script that {@code sendchain completion} prints into a file: the build runs it when it
 * packages the distribution ({@code share/bash-completion/completions/sendchain}).
 */
public final class CompletionScript {

    private CompletionScript() {
    }

    /** {@code args[0]}: the file to write. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CompletionScript FILE");
        }
        Path file = Path.of(args[0]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        PrintStream discard = new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Files.writeString(file, AutoComplete.bash("sendchain", Cli.commandLine(discard, discard)));
    }
}
