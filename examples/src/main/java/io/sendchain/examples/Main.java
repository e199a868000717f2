package io.sendchain.examples;

import io.sendchain.examples.cli.Cli;
import java.io.PrintStream;

/**
 * The {@code sendchain} command: {@code static} serves files, {@code proxy} proxies to upstream servers,
 * {@code platforms} lists the platform providers found on this machine, which one would be selected and why, and
 * {@code completion} prints the bash completion script. The command line itself is {@link Cli}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit status (0 done, 1 a failure at run time, 2 a usage error). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return Cli.run(args, out, err);
    }
}
