package io.sendchain.examples.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PicocliException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code sendchain} command line, on picocli: the commands ({@link SendchainCommand} and its subcommands), the
 * converters for nginx's values ({@link Size}, {@link Time}, {@link OnOff}, plain numbers), the help layout (each
 * option's default in brackets after its meaning, as {@code [2m]}) and the error reports.
 *
 * <p>Exit statuses: 0 done (or help shown), 1 a failure at run time (no platform, a port taken, an I/O error), 2 a
 * usage error (an unknown command or option, a bad value, settings that do not go together), which says what is
 * wrong, suggests the option meant when one is close ({@code --hlep}: {@code --help}) and points at the help.
 *
 * <p>Adding an option is one method in its command: {@code @Option(names = "--x", paramLabel = SIZE,
 * defaultValue = "4k", description = "...") void x(Size v) { cfg.x(v.bytes()); }} — the type picks the converter,
 * the default is shown in the help and applied (so it must be the builder's own default; {@code CliTest} checks
 * that the defaults build the builder's configuration), and a builder's {@link IllegalArgumentException} becomes a
 * usage error naming the value.
 */
public final class Cli {

    /** Exit status of a usage error. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Exit status of a failure at run time. */
    public static final int FAILURE = CommandLine.ExitCode.SOFTWARE;

    /** Parameter labels of the help, one per kind of value. */
    static final String SIZE = "SIZE";
    static final String TIME = "TIME";
    static final String ON_OFF = "on|off";
    static final String N = "N";

    private Cli() {
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The whole command line, writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new SendchainCommand());
        cl.setOut(writer(out));
        cl.setErr(writer(err));
        // as before picocli: an option given twice takes its last value (--upstream adds one each time)
        cl.setOverwrittenOptionsAllowed(true);
        // "--listen HOST:PORT", as nginx's directives and the help write it
        cl.setSeparator(" ");
        cl.setHelpFactory(BracketedDefaults::new);
        cl.setParameterExceptionHandler((e, a) -> usageError(e));
        cl.setExecutionExceptionHandler((e, c, r) -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ParameterException pe) { // a check after parsing (picocli wraps what call() throws)
                    return usageError(pe);
                }
            }
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + message(e));
            c.getErr().flush();
            return FAILURE;
        });
        // registered after the subcommands were added: registration reaches the commands there are
        cl.registerConverter(Size.class, Size::parse);
        cl.registerConverter(Time.class, Time::parse);
        cl.registerConverter(OnOff.class, OnOff::parse);
        cl.registerConverter(Integer.class, Cli::number);
        cl.registerConverter(int.class, Cli::number);
        return cl;
    }

    private static PrintWriter writer(PrintStream s) {
        return new PrintWriter(new java.io.OutputStreamWriter(s, s.charset()), true);
    }

    private static Integer number(String s) {
        try {
            return Integer.valueOf(s);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("takes a whole number, not \"" + s + "\"");
        }
    }

    /** A usage error: what is wrong, the option meant if one is close, where the help is; status 2. */
    static int usageError(ParameterException e) {
        CommandLine c = e.getCommandLine();
        PrintWriter err = c.getErr();
        String name = c.getCommandSpec().qualifiedName();
        err.println(name + ": " + usageMessage(e));
        List<String> near = e instanceof UnmatchedArgumentException u ? suggestions(u) : List.of();
        if (!near.isEmpty()) {
            err.println("did you mean " + String.join(" or ", near) + "?");
        } else if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && u.getUnmatched().get(0).startsWith("-")) {
            UnmatchedArgumentException.printSuggestions(e, err); // picocli's: options with the same first letters
        }
        err.println("try: " + name + " --help");
        err.flush();
        return USAGE;
    }

    /**
     * The options (or commands) within a typo or two of the unknown one, nearest first: {@code --hlep} gives
     * {@code --help} (picocli's own suggestions only look at the first letters).
     */
    static List<String> suggestions(UnmatchedArgumentException e) {
        if (e.getUnmatched().isEmpty()) {
            return List.of();
        }
        String arg = e.getUnmatched().get(0);
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        Collection<String> names = arg.startsWith("-") ? spec.optionsMap().keySet() : spec.subcommands().keySet();
        String typed = strip(arg);
        record Near(String name, int distance) {
        }
        List<Near> near = new ArrayList<>();
        for (String n : names) {
            int d = typos(typed, strip(n));
            if (d <= 2 && d * 3 <= typed.length()) {
                near.add(new Near(n, d));
            }
        }
        near.sort(Comparator.comparingInt(Near::distance).thenComparing(Near::name));
        return near.stream().limit(3).map(Near::name).toList();
    }

    private static String strip(String option) {
        int i = 0;
        while (i < option.length() && option.charAt(i) == '-') {
            i++;
        }
        int eq = option.indexOf('=');
        return option.substring(i, eq > i ? eq : option.length());
    }

    /** Edits (insert, delete, replace, swap two neighbours) from {@code a} to {@code b}: optimal string alignment. */
    static int typos(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static String usageMessage(ParameterException e) {
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            boolean top = e.getCommandLine().getParent() == null;
            return (arg.startsWith("-") ? "unknown option \"" : top ? "unknown command \"" : "unexpected argument \"")
                    + arg + "\"";
        }
        Throwable cause = e.getCause();
        if (cause instanceof TypeConversionException && e.getArgSpec() instanceof OptionSpec o) {
            return o.longestName() + " " + cause.getMessage(); // "--reuseport takes on or off, not "maybe""
        }
        if (cause instanceof IllegalArgumentException) {
            return cause.getMessage(); // a builder's check: it names the setting and the value
        }
        return e.getMessage();
    }

    /** The message of a failure at run time: the cause's when picocli wrapped it. */
    private static String message(Exception e) {
        Throwable t = e;
        while (t instanceof PicocliException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /**
     * The value of an option that takes two words, such as {@code --output-buffers 2 32k}: both, joined by a space,
     * for the option's {@code String} method. A default ({@code "2 32k"}) comes as one word already.
     */
    static final class TwoWords implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec arg, CommandSpec command) {
            String first = next(args, arg, command);
            set(arg, command, first.indexOf(' ') >= 0 ? first : first + " " + next(args, arg, command));
        }
    }

    /**
     * nginx's {@code open_file_cache max=N inactive=TIME}: one word, or two when the next starts with
     * {@code inactive=}.
     */
    static final class OpenFileCacheWords implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec arg, CommandSpec command) {
            String v = next(args, arg, command);
            if (!args.isEmpty() && args.peek().startsWith("inactive=")) {
                v = v + " " + args.pop();
            }
            set(arg, command, v);
        }
    }

    private static String next(Stack<String> args, ArgSpec arg, CommandSpec command) {
        if (args.isEmpty()) {
            throw new ParameterException(command.commandLine(), name(arg) + " needs " + arg.paramLabel(), arg, null);
        }
        return args.pop();
    }

    private static void set(ArgSpec arg, CommandSpec command, String v) {
        try {
            arg.setValue(v);
        } catch (PicocliException e) {
            // the option method's IllegalArgumentException, as picocli reports a failed call
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ParameterException(command.commandLine(), cause.getMessage(), cause, arg, v);
        }
    }

    private static String name(ArgSpec arg) {
        return arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
    }

    /** picocli's help with each option's default after its description, in brackets: {@code [2m]}. */
    private static final class BracketedDefaults extends Help {
        BracketedDefaults(CommandSpec spec, ColorScheme scheme) {
            super(spec, scheme);
        }

        @Override
        public IOptionRenderer createDefaultOptionRenderer() {
            IOptionRenderer plain = super.createDefaultOptionRenderer();
            return (option, labels, scheme) -> {
                Ansi.Text[][] rows = plain.render(option, labels, scheme);
                String d = option.defaultValue();
                if (d != null && !option.usageHelp() && !option.versionHelp()) {
                    for (int i = rows.length - 1; i >= 0; i--) {
                        Ansi.Text[] row = rows[i];
                        Ansi.Text last = row[row.length - 1];
                        if (last.plainString().length() > 0 || i == 0) {
                            row[row.length - 1] = last.concat(" [" + d + "]");
                            break;
                        }
                    }
                }
                return rows;
            };
        }
    }
}
