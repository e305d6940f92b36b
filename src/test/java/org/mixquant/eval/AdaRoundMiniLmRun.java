package org.mixquant.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.methods.AdaRound;
import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Layer;
import org.mixquant.model.Models;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;

/**
 * End-to-end check of AdaRound on MiniLM (not a unit test; run by hand, takes minutes): nearest rounding (min-max
 * scales), nearest rounding with L<sub>p</sub>-searched scales, and AdaRound, all at the same uniform bits, compared on
 * embedding fidelity over the evaluation corpus (fortune entries 0..511; calibration uses entries 512..).
 *
 * <pre>
 *   java -cp target/test-classes:target/classes:$(cat cp.txt) org.mixquant.eval.AdaRoundMiniLmRun \
 *        [bits=4] [iterations=500] [calibration=256] [threads=2] [batch=32] [maxRows=4096]
 * </pre>
 */
public final class AdaRoundMiniLmRun {
    private AdaRoundMiniLmRun() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String s : args) {
            String[] kv = s.split("=", 2);
            a.put(kv[0], kv[1]);
        }
        int bits = Integer.parseInt(a.getOrDefault("bits", "4"));
        int iterations = Integer.parseInt(a.getOrDefault("iterations", "500"));
        int calib = Integer.parseInt(a.getOrDefault("calibration", "256"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
        int maxRows = Integer.parseInt(a.getOrDefault("maxRows", "4096"));
        long t0 = System.nanoTime();
        OnnxModel fp32 = Models.minilm();
        List<String> evalTexts = FortuneCorpus.load(512);
        TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS);
        EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, evalTexts, threads, Progress.NONE);
        ev.referenceEmbeddings();
        BitPlan plan = BitPlan.uniform(fp32.source(), fp32.layerNames(), bits, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        List<String> rows = new ArrayList<>();

        QuantizedModel nearest = new NearestRounding().quantize(fp32, plan);
        rows.add(row("nearest (min-max scales)", ev.fidelity(nearest.model(), "nearest"), nearest.seconds()));

        long l0 = System.nanoTime();
        Map<String, WeightTensor> lp = new LinkedHashMap<>();
        for (Layer l : fp32.layers()) {
            QuantSpec spec = QuantSpec.asymmetric(bits);
            float[] out = new float[l.weight().size()];
            FakeQuant.apply(l.weight(), LpScaleSearch.choose(l.weight(), spec), out);
            lp.put(l.name(), WeightTensor.wrap(out, l.weight().shape(), l.weight().channelAxis()));
        }
        double lpSecs = (System.nanoTime() - l0) / 1e9;
        rows.add(row("nearest (Lp-2.4 scales)", ev.fidelity(fp32.withWeights(lp), "lp"), lpSecs));

        ReconstructionOptions opts = ReconstructionOptions.builder().optIterations(iterations)
                .optCalibrationSamples(calib).optThreads(threads).optBatchSize(batch).optMaxRows(maxRows).build();
        List<String> calTexts = OnnxTextCalibration.fortuneTexts(calib);
        long[][] ids = TokenIds.minilm(calTexts, TextEmbedder.DEFAULT_MAX_TOKENS);
        OnnxTextCalibration cal = OnnxTextCalibration.create(fp32, ids, opts);
        System.err.println("calibration: " + cal);
        AdaRound ada = AdaRound.create(cal, opts).withLog(System.err::println);
        AdaRound.Report rep = ada.run(fp32, plan);
        rows.add(row("adaround (" + iterations + " it/layer)", ev.fidelity(rep.quantized().model(), "adaround"),
                rep.quantized().seconds()));
        System.out.println("MiniLM, uniform int" + bits + " asymmetric per-channel; evaluation: fortune entries"
                + " 0..511; calibration: entries 512.." + (512 + calib - 1));
        System.out.println("AdaRound settings: " + rep.settings());
        System.out.println(String.format(Locale.ROOT, "%-28s %10s %10s %10s %10s", "method", "meanCos", "minCos",
                "top10", "quant s"));
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "total wall time %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    static String row(String name, Fidelity f, double secs) {
        return String.format(Locale.ROOT, "%-28s %10.5f %10.5f %10.4f %10.1f", name, f.meanCosine(), f.minCosine(),
                f.top10Overlap(), secs);
    }
}
