package io.sendchain.examples;

import io.sendchain.spi.NoPlatformException;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code sendchain} command: {@code sendchain platforms [--platform NAME]} lists the platform providers
 * found on this machine, which one would be selected and why.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "platforms" -> platforms(rest, out, err);
            default -> {
                err.println("sendchain: unknown command \"" + args[0] + "\"");
                err.print(usage());
                yield 2;
            }
        };
    }

    private static String usage() {
        return """
                usage: sendchain <command> [options]

                commands:
                  platforms [--platform NAME]   list the platform providers found, which one is selected and why
                """;
    }

    private static int platforms(String[] args, PrintStream out, PrintStream err) {
        PlatformConfig config = PlatformConfig.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--platform" -> {
                    if (i + 1 >= args.length) {
                        err.println("sendchain platforms: --platform needs a name");
                        return 2;
                    }
                    config = config.withPlatform(args[++i]);
                }
                case "--help", "-h" -> {
                    out.println("usage: sendchain platforms [--platform NAME]");
                    out.println("Lists every platform provider on the class/module path with its priority, status");
                    out.println("and reason, and the one selected (explicit name, -Dsendchain.platform, or priority).");
                    return 0;
                }
                default -> {
                    err.println("sendchain platforms: unknown option \"" + args[i] + "\"");
                    return 2;
                }
            }
        }
        PlatformRegistry registry = PlatformRegistry.load();
        try {
            out.print(registry.describe(registry.choose(config)));
            return 0;
        } catch (NoPlatformException e) {
            err.println("sendchain: " + e.getMessage());
            return 1;
        }
    }
}
