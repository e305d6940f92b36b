package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.data.NamedArrays;
import org.mixquant.data.NpzFiles;
import org.mixquant.eval.OutputEvaluator;
import org.mixquant.eval.OutputFidelity;
import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.TinyOnnx;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

/**
 * AdaRound on ONNX Conv and Gemm (transB, alpha, beta) and MatMul layers of small models built here, calibrated on
 * named arrays ({@link OnnxArrayCalibration}): every learned code is within one step of rounding to nearest on the
 * same (L<sub>p</sub>-searched) grid, each layer's reconstruction loss is at most nearest's, and the quantized model
 * runs in ONNX Runtime.
 */
class OnnxArrayAdaRoundTest {
    static ReconstructionOptions options() {
        return ReconstructionOptions.builder().optIterations(200).optCalibrationSamples(32).optThreads(1)
                .optLearningRate(1e-2).optSeed(7).build();
    }

    static AdaRound.Report run(OnnxModel m, NamedArrays cal, int bits, List<String> log) {
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        return AdaRound.create(OnnxArrayCalibration.create(m, cal, options()), options()).withLog(log::add)
                .run(m, plan);
    }

    /** Codes of the learned weights against rounding to nearest, on the same grid: |Δcode| ≤ 1 for every weight. */
    static double assertWithinOneStep(OnnxModel fp32, org.mixquant.model.QuantizableModel q, int bits) {
        long flipped = 0;
        long n = 0;
        for (Layer l : fp32.layers()) {
            WeightTensor w = l.weight();
            QParams p = LpScaleSearch.choose(w, new QuantSpec(bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            WeightTensor wq = q.layer(l.name()).weight();
            for (int i = 0; i < w.size(); i++) {
                int c = w.channelOf(i);
                float s = p.scale(c);
                int zp = p.zeroPoint(c);
                long nearest = Math.max(0, Math.min((1 << bits) - 1, (long) Math.rint(w.get(i) * (1f / s)) + zp));
                long code = (long) Math.rint(wq.get(i) / s) + zp;
                assertEquals((code - zp) * s, wq.get(i), Math.abs(s) * 1e-4, l.name() + "[" + i + "] is on the grid");
                assertTrue(Math.abs(code - nearest) <= 1, l.name() + "[" + i + "]: code " + code + ", nearest "
                        + nearest);
                assertTrue(code >= 0 && code < (1 << bits), l.name() + "[" + i + "] code " + code);
                flipped += code != nearest ? 1 : 0;
                n++;
            }
        }
        return flipped / (double) n;
    }

    @Test
    void convReluGemmNet() {
        OnnxModel m = OnnxModel.fromBytes("convnet", TinyOnnx.convNet(11).bytes());
        NamedArrays cal = new NamedArrays("cal", Map.of("x", NpzFiles.random("x", 1, 32, 1, 6, 6)));
        List<String> log = new ArrayList<>();
        AdaRound.Report rep = run(m, cal, 3, log);
        assertEquals(List.of("conv", "fc"), rep.layers().stream().map(AdaRound.LayerReport::layer).toList());
        assertEquals(LayerSite.Activation.RELU, rep.layers().get(0).activation(), "the conv's loss is after its Relu");
        for (AdaRound.LayerReport r : rep.layers()) {
            assertTrue(r.adaroundLoss() <= r.nearestLoss(), r.layer() + ": learned " + r.adaroundLoss()
                    + " vs nearest " + r.nearestLoss());
            assertTrue(r.nearestLoss() > 0, r.layer());
        }
        double flipped = assertWithinOneStep(m, rep.quantized().model(), 3);
        assertTrue(flipped > 0, "some weights round the other way");
        OutputFidelity f = OutputEvaluator.create(m, new NamedArrays("eval", Map.of("x",
                NpzFiles.random("x", 2, 16, 1, 6, 6))), 1).fidelity(rep.quantized().model());
        assertNotNull(f.sqnrDb());
        assertTrue(f.cosine() > 0.9 && Double.isFinite(f.sqnrDb()), f.toString());
    }

    /**
     * The Gemm's site as reconstruction sees it — input × alpha, weight, bias = beta·C — gives the graph's output
     * (ONNX Runtime) from the captured input; the conv's captured input is the graph input itself, whole feature maps.
     */
    @Test
    void gemmAlphaBetaAndConvInputsAreTheGraphs() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("convnet", TinyOnnx.convNet(11).bytes());
        NamedArrays cal = new NamedArrays("cal", Map.of("x", NpzFiles.random("x", 1, 4, 1, 6, 6)));
        OnnxArrayCalibration c = OnnxArrayCalibration.create(m, cal, options());
        LayerSite fc = c.site("fc");
        assertEquals(0.5f, c.inputScale("fc"));
        Map<String, float[]> in = c.inputs(m, List.of("f", "x"));
        assertEquals(null, c.sampleShape("f"));
        assertEquals(List.of(1, 6, 6), java.util.Arrays.stream(c.sampleShape("x")).boxed().toList());
        assertEquals(List.of(cal.get("x").floats().length), List.of(in.get("x").length));
        float[] y = org.mixquant.model.onnx.OnnxFeeds.outputs(m, cal, 1).get("y").values();
        float[] w = m.layer("fc").weight().toArray();
        float[] f = in.get("f");
        float[] b = fc.bias();
        for (int n = 0; n < 4; n++) {
            for (int o = 0; o < 3; o++) {
                double acc = b[o];
                for (int k = 0; k < 144; k++) {
                    acc += (double) (f[n * 144 + k] * 0.5f) * w[o * 144 + k];
                }
                assertEquals(y[n * 3 + o], acc, 1e-4, "y[" + n + ", " + o + "]: ONNX Runtime's float sums vs double");
            }
        }
    }

    @Test
    void matMulAndGemmMlp() {
        OnnxModel m = OnnxModel.fromBytes("mlp", TinyOnnx.mlpNet(21).bytes());
        NamedArrays cal = new NamedArrays("cal", Map.of("x", NpzFiles.random("x", 3, 64, 8)));
        AdaRound.Report rep = run(m, cal, 2, new ArrayList<>());
        assertEquals(LayerSite.Activation.RELU, rep.layers().get(0).activation(), "MatMul + bias Add + Relu");
        for (AdaRound.LayerReport r : rep.layers()) {
            assertTrue(r.adaroundLoss() <= r.nearestLoss(), r.layer() + ": learned " + r.adaroundLoss()
                    + " vs nearest " + r.nearestLoss());
        }
        assertWithinOneStep(m, rep.quantized().model(), 2);
        OutputEvaluator.create(m, cal, 1).fidelity(rep.quantized().model());
    }
}
