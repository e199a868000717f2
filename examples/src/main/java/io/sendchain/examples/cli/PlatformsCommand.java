package io.sendchain.examples.cli;

import io.sendchain.spi.NoPlatformException;
import io.sendchain.spi.PlatformConfig;
import io.sendchain.spi.PlatformRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sendchain platforms}: the platform providers found, which one is selected and why, and their options. */
@Command(name = "platforms", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        header = "Lists the platform providers found, the one selected and why, and their options.",
        description = {"Every platform provider on the class/module path with its priority, status and reason; the "
                + "one selected (an explicit name, -Dsendchain.platform, or the highest priority); then each "
                + "platform's options with their type, default and meaning."})
final class PlatformsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private PlatformConfig config = PlatformConfig.defaults();

    @Option(names = "--platform", paramLabel = "NAME", description = "the platform to select")
    void platform(String v) {
        config = config.withPlatform(v);
    }

    @Override
    public Integer call() throws NoPlatformException {
        PrintWriter out = spec.commandLine().getOut();
        PlatformRegistry registry = PlatformRegistry.load();
        out.print(registry.describe(registry.choose(config)));
        out.println();
        out.print(registry.describeOptions());
        out.flush();
        return 0;
    }
}
