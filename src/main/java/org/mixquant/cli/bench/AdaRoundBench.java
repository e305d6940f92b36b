package org.mixquant.cli.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mixquant.io.TempFiles;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.Models;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.model.Djl;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.progress.Progress;
import org.mixquant.methods.rounding.SoftRounding;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.LayerReconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.cli.bench.AdaRoundReference;
import org.mixquant.methods.OnnxTextCalibration;

/**
 * Speed of the learned-rounding loop on one real MiniLM layer against the PyTorch reference
 * ({@code tools/adaround/reference.py}) on the same machine, in one run: same inputs, targets, starting α, mini-batch
 * sequence, iterations and thread count. Each side first runs untimed warm-up steps, then the timed steps; the
 * output is iterations per second of each and their ratio, plus the final-loss agreement as a sanity check.
 *
 * <pre>
 *   java -cp target/mixquant.jar:target/lib/* org.mixquant.cli.bench.AdaRoundBench \
 *        [layer=/encoder/layer.0/attention/self/query/MatMul] [iterations=500] [warmup=100] [threads=1] \
 *        [bits=4] [batch=32] [texts=64] [maxRows=2048] [python=/usr/bin/python3]
 * </pre>
 * Timing only; never asserted in tests.
 */
public final class AdaRoundBench {
    private AdaRoundBench() {
    }

    /**
     * Measured speeds.
     *
     * @param layer          the layer
     * @param shape          its weight shape
     * @param iterations     timed steps per side
     * @param threads        libtorch / PyTorch intra-op threads
     * @param javaItPerSec   Java (DJL, libtorch 2.7.1)
     * @param torchItPerSec  PyTorch reference (Debian torch 1.13)
     * @param finalLossRelDiff |Java − PyTorch| / PyTorch of the last step's loss
     * @param torchVersion   the reference's torch version
     */
    public record Result(String layer, String shape, int iterations, int threads, double javaItPerSec,
            double torchItPerSec, double finalLossRelDiff, String torchVersion) {
        /** Java speed over PyTorch speed (&gt; 1: Java is faster). */
        public double ratio() {
            return javaItPerSec / torchItPerSec;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s %s, %d iterations, %d thread(s): Java %.1f it/s, PyTorch %s %.1f"
                    + " it/s, ratio Java/PyTorch %.2f (final loss rel. diff %.1e)", layer, shape, iterations, threads,
                    javaItPerSec, torchVersion, torchItPerSec, ratio(), finalLossRelDiff);
        }
    }

    /** Runs the benchmark with {@code key=value} arguments (see the class comment) and prints the result. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String s : args) {
            String[] kv = s.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("arguments are key=value, got '" + s + "'");
            }
            a.put(kv[0], kv[1]);
        }
        Result r = run(a.getOrDefault("layer", "/encoder/layer.0/attention/self/query/MatMul"),
                Integer.parseInt(a.getOrDefault("iterations", "500")),
                Integer.parseInt(a.getOrDefault("warmup", "100")),
                Integer.parseInt(a.getOrDefault("threads", "1")),
                Integer.parseInt(a.getOrDefault("bits", "4")),
                Integer.parseInt(a.getOrDefault("batch", "32")),
                Integer.parseInt(a.getOrDefault("texts", "64")),
                Integer.parseInt(a.getOrDefault("maxRows", "2048")),
                a.getOrDefault("python", "/usr/bin/python3"));
        System.out.println(r);
    }

    /** Runs the benchmark (see the class comment). */
    public static Result run(String layerName, int iterations, int warmup, int threads, int bits, int batch,
            int texts, int maxRows, String python) throws Exception {
        OnnxModel m = Models.minilm();
        Layer layer = m.layer(layerName);
        ReconstructionOptions opts = ReconstructionOptions.builder().optIterations(iterations).optBatchSize(batch)
                .optCalibrationSamples(texts).optMaxRows(maxRows).optThreads(threads).build();
        long[][] ids = TokenIds.minilm(OnnxTextCalibration.fortuneTexts(texts), TextEmbedder.DEFAULT_MAX_TOKENS);
        OnnxTextCalibration cal = OnnxTextCalibration.create(m, ids, opts);
        LayerSite site = cal.site(layerName);
        float[] x = cal.inputs(m, List.of(site.input())).get(site.input());
        QParams q = LpScaleSearch.choose(layer.weight(), QuantSpec.asymmetric(bits));
        Path dir = Files.createTempDirectory("mixquant-adaround-bench");
        TempFiles.register(dir);
        Path problem = dir.resolve("problem.bin");
        try (NDManager nd = Djl.engine().newBaseManager()) {
            LayerReconstruction rec = LayerReconstruction.create(nd, x, x, layer.weight(), site.bias(),
                    site.activation());
            if (warmup > 0) {
                LearnedRounding.run(nd, List.of(layer.weight()), List.of(q), null, rec,
                        opts.toBuilder().optIterations(warmup).build(), Progress.NONE, "warm-up");
            }
            LearnedRounding.Result java = LearnedRounding.run(nd, List.of(layer.weight()), List.of(q), null, rec, opts,
                    Progress.NONE, layerName);
            float[] alpha0;
            try (NDManager tmp = Djl.engine().newBaseManager()) {
                alpha0 = SoftRounding.create(tmp, layer.weight(), q).initialAlpha();
            }
            AdaRoundReference.write(problem, rec, layer.weight(), q, alpha0,
                    LearnedRounding.batches(rec.samples(), batch, iterations, opts.seed()), opts);
            JsonNode py = AdaRoundReference.run(python, problem, threads, null, warmup, 3600);
            double pyLast = py.get("loss").get(iterations - 1).asDouble();
            double diff = Math.abs(java.loss()[iterations - 1] - pyLast) / Math.abs(pyLast);
            return new Result(layerName, layer.weight().shapeString() + (site.activation()
                    == LayerSite.Activation.IDENTITY ? "" : " +" + site.activation()) + ", " + rec.samples() + " rows",
                    iterations, threads, java.iterationsPerSecond(), py.get("iterations_per_second").asDouble(), diff,
                    py.get("torch").asText());
        } finally {
            Files.deleteIfExists(problem);
            Files.deleteIfExists(dir);
            TempFiles.release(dir);
        }
    }
}
