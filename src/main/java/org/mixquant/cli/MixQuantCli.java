package org.mixquant.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mixquant}: MixQuant bit-width search and quantization from the command line. Exit codes are in
 * {@link ExitCodes}; results go to stdout, messages and progress to stderr.
 */
@Command(name = "mixquant", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "mixquant 0.1.0",
        description = "Mixed-precision post-training weight quantization (MixQuant).",
        subcommands = {LayersCommand.class, QeCommand.class, SearchCommand.class, FrontierCommand.class, EvaluateCommand.class,
            ReportCommand.class, CompareCommand.class, BenchCommand.class, TrainCommand.class, CommandLine.HelpCommand.class})
public final class MixQuantCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try 'mixquant --help')");
    }

    /** Builds the command line with the given writers (tests capture them). */
    public static CommandLine create(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new MixQuantCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("mixquant: " + ex.getMessage());
            c.getErr().println("(see 'mixquant " + (c.getCommandName().equals("mixquant") ? "" : c.getCommandName()
                    + " ") + "--help')");
            c.getErr().flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("mixquant: error: " + oneLine(ex));
            if (System.getenv("MIXQUANT_DEBUG") != null) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    /** A one-line message for an exception: its message, or its type when it has none. */
    static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException nf) {
            msg = "no such file: " + nf.getFile();
        } else if (ex instanceof java.nio.file.AccessDeniedException ad) {
            msg = "permission denied: " + ad.getFile();
        } else if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        return msg.replace('\n', ' ').strip();
    }

    /** Entry point: runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = create(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
