package io.sendchain.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sendchain}: without a command it prints the list of commands (status 2, as a usage error). */
@Command(name = "sendchain", mixinStandardHelpOptions = true, versionProvider = SendchainCommand.Version.class,
        usageHelpAutoWidth = true,
        description = "nginx's output pipeline for the JVM: a static file server, a reverse proxy, the platforms.",
        subcommands = {StaticCommand.class, ProxyCommand.class, PlatformsCommand.class, CompletionCommand.class},
        footer = {"", "Each command has its own --help. Exit status: 0 done, 1 a failure at run time, 2 a usage "
                + "error."})
final class SendchainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Cli.USAGE;
    }

    /** The project's version, from {@code version.properties} (filtered by Maven at build time). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"sendchain " + version(), "Java " + Runtime.version() + " ("
                    + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")"};
        }

        static String version() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IOException("version.properties is missing from the class path");
                }
                p.load(in);
            }
            return p.getProperty("version");
        }
    }
}
