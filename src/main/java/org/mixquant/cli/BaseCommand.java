package org.mixquant.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mixquant.io.OutputFiles;
import org.mixquant.model.Models;
import org.mixquant.model.QuantizableModel;
import org.mixquant.notebook.ConsoleProgress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.progress.Progress;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What every subcommand shares: its writers, JSON, model loading and progress. */
abstract class BaseCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Mixin
    RunMixin run;

    private final Set<String> warned = new HashSet<>();

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    void info(String msg) {
        if (!run.quiet) {
            err().println("[mixquant] " + msg);
            err().flush();
        }
    }

    /** A warning: one stderr line, printed even with {@code --quiet}; the command goes on. */
    void warn(String msg) {
        err().println("[mixquant] warning: " + msg.replace('\n', ' '));
        err().flush();
    }

    /**
     * Checks an output file given on the command line before any work starts (no-op for {@code null}): a folder, or
     * a path whose parent cannot be created or written, is a usage error (exit 2) naming the option and the path.
     */
    void checkOutputFile(Path file, String option) {
        if (file == null) {
            return;
        }
        try {
            OutputFiles.checkFile(file);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /**
     * Checks that the output files given to {@code options} (in the same order; {@code null} = not given) are
     * different files, also when spelled differently or through a symbolic link, and none is the input model file
     * {@code model}: otherwise one output would silently replace another, or the model. A usage error (exit 2).
     */
    void checkDistinctOutputs(String model, List<String> options, Path... files) {
        Map<Path, String> seen = new HashMap<>();
        if (model != null && Files.isRegularFile(Path.of(model))) {
            seen.put(OutputFiles.identity(Path.of(model)), "the model " + model);
        }
        for (int i = 0; i < files.length; i++) {
            if (files[i] == null) {
                continue;
            }
            String what = options.get(i) + " " + files[i];
            String prev = seen.putIfAbsent(OutputFiles.identity(files[i]), what);
            if (prev != null) {
                throw new ParameterException(spec.commandLine(), what + " is the same file as " + prev
                        + "; give each output its own file");
            }
        }
    }

    /** Like {@link #checkOutputFile} for an output folder: a file in its place is a usage error (exit 2). */
    void checkOutputFolder(Path dir, String option) {
        if (dir == null) {
            return;
        }
        try {
            OutputFiles.checkFolder(dir);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /** {@link #warn} the first time this command sees {@code msg}. */
    void warnOnce(String msg) {
        if (warned.add(msg)) {
            warn(msg);
        }
    }

    /** Worker threads: {@code --threads} capped at the cores, or all cores (see {@link RunMixin#threads}). */
    int threads() {
        return run.threads(this);
    }

    Progress progress() {
        if (run.quiet) {
            return Progress.NONE;
        }
        return ConsoleProgress.to(err(), System.console() != null);
    }

    QuantizableModel loadModel(String name) throws IOException {
        long t0 = System.nanoTime();
        QuantizableModel m = Models.load(name);
        info(String.format(Locale.ROOT, "loaded %s: %d quantizable layers, %,d weights (%.1f s)", name,
                m.layers().size(), m.quantizableParams(), (System.nanoTime() - t0) / 1e9));
        for (String w : m.warnings()) {
            err().println("[mixquant] warning: " + w);
        }
        err().flush();
        return m;
    }

    /**
     * {@link #loadModel} for a command that runs the whole model in ONNX Runtime: a model with external data (read
     * layer by layer, never whole) is refused with one line before any work starts.
     */
    QuantizableModel loadRunnableModel(String name, String command) throws IOException {
        QuantizableModel m = loadModel(name);
        if (m instanceof org.mixquant.model.onnx.OnnxModel onnx) {
            onnx.requireEmbeddedData("'" + command + "', which runs the whole model,");
        }
        return m;
    }

    /**
     * {@link MixQuant#maxRelativeError}, warning on stderr when some layers miss the threshold even at 8 bits (they
     * get 8 bits, so a tiny threshold silently means uniform int8 otherwise).
     */
    BitPlan relErrorPlan(ErrorTable table, double threshold) {
        BitPlan p = MixQuant.maxRelativeError(table, threshold);
        Object over = p.params().get("layersAboveThresholdAt8Bits");
        if (over instanceof Number n && n.intValue() > 0) {
            warn(f("--max-rel-error %s: %d of %d layers of %s exceed it even at %d bits; they get %d bits",
                    threshold, n.intValue(), table.size(), table.model(), Bits.MAX, Bits.MAX));
        }
        return p;
    }

    void printJson(Object tree) throws IOException {
        out().println(JSON.writeValueAsString(tree));
        out().flush();
    }

    static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    /** Number in 4 significant digits, scientific when small. */
    static String sci(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        return a >= 1e-3 && a < 1e5 ? String.format(Locale.ROOT, "%.4g", v) : String.format(Locale.ROOT, "%.3e", v);
    }
}
