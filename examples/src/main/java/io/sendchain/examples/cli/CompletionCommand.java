package io.sendchain.examples.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sendchain completion}: prints the bash (and zsh) completion script of the whole command line. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        header = "Prints the bash completion script.",
        description = {"Prints the bash completion script for sendchain (it works in zsh too, after "
                + "\"autoload -U bashcompinit && bashcompinit\").",
                "Load it with: source <(sendchain completion), or save it into /etc/bash_completion.d/sendchain."})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("sendchain", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
