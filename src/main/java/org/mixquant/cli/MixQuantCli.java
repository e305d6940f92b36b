package org.mixquant.cli;

import java.io.PrintWriter;
import org.mixquant.io.Version;
import org.mixquant.model.onnx.NativeSessions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code mixquant}: MixQuant bit-width search and quantization from the command line. Exit codes are in
 * {@link ExitCodes}; results go to stdout, messages and progress to stderr.
 */
@Command(name = "mixquant", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = MixQuantCli.VersionProvider.class,
        description = "Mixed-precision post-training weight quantization (MixQuant).",
        subcommands = {LayersCommand.class, QeCommand.class, SearchCommand.class, FrontierCommand.class, EvaluateCommand.class,
            ExportCommand.class, ReportCommand.class, CompareCommand.class, BenchCommand.class, TrainCommand.class,
            CommandLine.HelpCommand.class})
public final class MixQuantCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code mixquant --version}: the toolkit's {@link Version} and the Java that runs it. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mixquant " + Version.get(), "Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("java.vendor") + ")"};
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try 'mixquant --help')");
    }

    /** Builds the command line with the given writers (tests capture them). */
    public static CommandLine create(PrintWriter out, PrintWriter err) {
        return configure(new CommandLine(new MixQuantCli()), out, err);
    }

    /**
     * The writers, the exit codes and the one-line error contract for any command line: usage errors exit 2,
     * exceptions exit 1 with {@code mixquant: error: <message>}, and so do the JVM errors a large input can cause
     * (out of memory, stack overflow), which picocli would otherwise let escape with a stack trace.
     */
    static CommandLine configure(CommandLine cl, PrintWriter out, PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("mixquant: " + usageMessage(ex));
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
        CommandLine.IExecutionStrategy last = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            for (CommandLine c : parsed.asCommandLineList()) { // cross-option checks of shared mixins, before any work
                for (CommandLine.Model.CommandSpec m : c.getCommandSpec().mixins().values()) {
                    if (m.userObject() instanceof QuantMixin q) {
                        q.validate(c);
                    }
                }
            }
            try {
                return last.execute(parsed);
            } catch (OutOfMemoryError | StackOverflowError e) {
                CommandLine c = parsed.commandSpec().commandLine();
                c.getErr().println("mixquant: error: " + fatalMessage(e));
                if (System.getenv("MIXQUANT_DEBUG") != null) {
                    e.printStackTrace(c.getErr());
                }
                c.getErr().flush();
                return ExitCodes.FAILURE;
            }
        });
        return cl;
    }

    /** The one-line message for a JVM error that ends a command. */
    static String fatalMessage(VirtualMachineError e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory (Java heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB): the input"
                    + " needs more than this JVM may use; give it more with MIXQUANT_JAVA_OPTS=-Xmx16g, or use a"
                    + " smaller input";
        }
        return "stack overflow (" + e.getClass().getSimpleName() + "): the input is nested too deeply";
    }

    /**
     * On SIGINT (Ctrl-C), SIGTERM and SIGHUP: first let ONNX Runtime calls in progress return and close the open
     * sessions ({@link NativeSessions#closeAllBeforeExit}), then exit with 128 + the signal number as the JVM would.
     * The JVM's shutdown hooks (temporary files removed, ONNX Runtime's own environment released) run only after
     * that, so they never free native state a thread is still using. A signal the shell ignores stays ignored.
     */
    static void exitCleanlyOnSignals() {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    NativeSessions.closeAllBeforeExit(NativeSessions.SHUTDOWN_WAIT_MS);
                    System.exit(128 + sig.getNumber());
                });
            } catch (IllegalArgumentException unavailable) {
                // not a signal on this platform, or reserved by the JVM (-Xrs): keep the default
            }
        }
    }

    /**
     * The usage error's message: for a value {@link OptionValues} rejected, the option's name and the check's message
     * ({@code --avg-bits must be between 2 and 8, got 1.9}); otherwise picocli's.
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        if (ex.getCause() instanceof OptionValues.Invalid bad && ex.getArgSpec() instanceof OptionSpec o) {
            return o.longestName() + " " + bad.getMessage();
        }
        return ex.getMessage();
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
        exitCleanlyOnSignals();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = create(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
