package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.Layer;
import org.mixquant.model.Models;
import org.mixquant.model.TinyBert;
import org.mixquant.model.LayerSite;
import org.mixquant.model.TinyOnnx;

class OnnxCaptureTest {
    /**
     * ONNX Runtime computes in float32 (MatMul over ≤ 12 terms, erf); this test's reference in double with an erf
     * accurate to 1.5e-7. Values are O(1).
     */
    static final double TINY_TOL = 1e-5;
    /**
     * MiniLM: float32 MatMul over 1536 terms against a double reference, values up to ~10: ~1e-5 relative, plus the
     * erf approximation; 1e-3 absolute still catches a missing bias (O(0.1)) or a missing GELU (O(1)).
     */
    static final double MINILM_TOL = 1e-3;

    static final OnnxModel TINY = OnnxModel.fromBytes("tinybert", TinyBert.bytes(3));
    static final long[][] IDS = TinyBert.ids(7, 6, 9);

    @Test
    void readsSitesBiasesAndActivationsFromTheGraph() {
        OnnxCapture c = OnnxCapture.of(TINY);
        assertEquals(List.of("q/MatMul", "i/MatMul", "o/MatMul"), c.sites().stream().map(LayerSite::layer).toList());
        LayerSite q = c.site("q/MatMul");
        assertEquals("emb", q.input());
        assertEquals(LayerSite.Activation.IDENTITY, q.activation(), "q feeds only the next MatMul");
        assertArrayEquals(TinyOnnx.values(TinyBert.H, 3 + 2), q.bias(), "bias is the Add's other input (first)");
        LayerSite i = c.site("i/MatMul");
        assertEquals("q", i.input());
        assertEquals(LayerSite.Activation.GELU, i.activation(), "BERT's Div(√2) → Erf → Add → Mul → Mul");
        assertArrayEquals(TinyOnnx.values(TinyBert.I, 3 + 4), i.bias(), "bias is the Add's second input");
        LayerSite o = c.site("o/MatMul");
        assertEquals("g", o.input());
        assertEquals(LayerSite.Activation.IDENTITY, o.activation(), "a residual Add is not an activation");
    }

    @Test
    void reluAndGemmSites() {
        OnnxModel mlp = OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxCapture.of(mlp));
        assertTrue(e.getMessage().contains("graph input 'x'"), e.getMessage());
        LayerSite fc2 = OnnxCapture.of(mlp, List.of("fc2/Gemm")).site("fc2/Gemm");
        assertEquals("hr", fc2.input());
        assertArrayEquals(new float[] {0.5f, -0.5f}, fc2.bias(), "Gemm's input C");
        byte[] relu = new TinyOnnx().input("x", 1, 4).output("y", 1, 2).init("W1", TinyOnnx.values(12, 1), 4, 3)
                .init("W2", TinyOnnx.values(6, 2), 3, 2)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("MatMul", "fc1", List.of("xr", "W1"), List.of("h"))
                .node("Relu", "relu", List.of("h"), List.of("hr"))
                .node("MatMul", "fc2", List.of("hr", "W2"), List.of("y")).bytes();
        OnnxCapture c = OnnxCapture.of(OnnxModel.fromBytes("relu", relu));
        assertEquals(LayerSite.Activation.RELU, c.site("fc1").activation());
        assertNull(c.site("fc1").bias());
        assertEquals(LayerSite.Activation.IDENTITY, c.site("fc2").activation());
    }

    @Test
    void capturesEveryTokenInTextOrderWithoutPadding() throws Exception {
        OnnxCapture c = OnnxCapture.of(TINY);
        Map<String, float[]> got = c.captureTokens(TINY, IDS, null, List.of("emb", "q", "g"), 1, 3);
        int rows = TokenIds.totalTokens(IDS);
        double[][][] ref = reference(TINY, IDS);
        String[] names = {"emb", "q", "g"};
        for (int k = 0; k < 3; k++) {
            float[] v = got.get(names[k]);
            int width = ref[k][0].length;
            assertEquals(rows * width, v.length, names[k] + " has one row per token");
            for (int r = 0; r < rows; r++) {
                for (int d = 0; d < width; d++) {
                    assertEquals(ref[k][r][d], v[r * width + d], TINY_TOL, names[k] + " row " + r + " dim " + d);
                }
            }
        }
        // batching (and so padding) must not matter
        Map<String, float[]> one = c.captureTokens(TINY, IDS, null, List.of("g"), 1, 1);
        assertArrayEquals(got.get("g"), one.get("g"), 1e-6f);
    }

    @Test
    void keepsTheRequestedRows() throws Exception {
        OnnxCapture c = OnnxCapture.of(TINY);
        float[] all = c.captureTokens(TINY, IDS, null, List.of("q"), 1, 4).get("q");
        int[] keep = {0, 3, 4, 10, TokenIds.totalTokens(IDS) - 1};
        float[] some = c.captureTokens(TINY, IDS, keep, List.of("q"), 1, 4).get("q");
        int w = TinyBert.H;
        assertEquals(keep.length * w, some.length);
        for (int k = 0; k < keep.length; k++) {
            for (int d = 0; d < w; d++) {
                assertEquals(all[keep[k] * w + d], some[k * w + d], 0f);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> c.captureTokens(TINY, IDS, new int[] {3, 3}, List.of("q"), 1, 4), "not strictly increasing");
        assertThrows(IllegalArgumentException.class,
                () -> c.captureTokens(TINY, IDS, new int[] {10_000}, List.of("q"), 1, 4), "out of range");
    }

    @Test
    void replacedWeightsChangeOnlyDownstreamTensorsAndTheModelStaysUsable() throws Exception {
        OnnxCapture c = OnnxCapture.of(TINY);
        Map<String, float[]> fp = c.captureTokens(TINY, IDS, null, List.of("emb", "q", "g"), 1, 4);
        Layer wi = TINY.layer("i/MatMul");
        OnnxModel zeroed = TINY.withWeights(Map.of("i/MatMul", wi.weight().withData(new float[wi.weight().size()])));
        Map<String, float[]> z = c.captureTokens(zeroed, IDS, null, List.of("emb", "q", "g"), 1, 4);
        assertArrayEquals(fp.get("emb"), z.get("emb"), 0f, "upstream of the replaced layer: unchanged");
        assertArrayEquals(fp.get("q"), z.get("q"), 0f, "the replaced layer's own input: unchanged");
        assertFalse(java.util.Arrays.equals(fp.get("g"), z.get("g")), "downstream: changed");
        float[] bi = TinyOnnx.values(TinyBert.I, 3 + 4);
        for (int d = 0; d < TinyBert.I; d++) {
            assertEquals(gelu(bi[d]), z.get("g")[d], TINY_TOL, "with Wi = 0, g = gelu(bi)");
        }
        // the loaded model is untouched and still opens with its own graph (one output)
        assertTrue(TINY.overrides().isEmpty());
        try (OnnxRunner r = TINY.open(OrtEnvironment.getEnvironment(), 1)) {
            assertEquals(1, r.session().getNumOutputs());
        }
    }

    @Test
    void rejectsOtherModelsUnknownTensorsAndEmptyInput() {
        OnnxCapture c = OnnxCapture.of(TINY);
        OnnxModel other = OnnxModel.fromBytes("tinybert", TinyBert.bytes(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.captureTokens(other, IDS, null, List.of("q"), 1, 4));
        assertTrue(e.getMessage().contains("not a version of the captured model"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.captureTokens(TINY, IDS, null, List.of("im"), 1, 4));
        assertThrows(IllegalArgumentException.class,
                () -> c.captureTokens(TINY, new long[0][], null, List.of("q"), 1, 4));
        assertThrows(IllegalArgumentException.class, () -> c.site("nope"));
        assertThrows(IllegalArgumentException.class, () -> OnnxCapture.of(TINY, List.of("nope")));
    }

    @Test
    void miniLmSitesAndCaptureAgreeWithTheGraph() throws Exception {
        OnnxModel m = Models.minilm();
        OnnxCapture c = OnnxCapture.of(m);
        List<LayerSite> sites = c.sites();
        assertEquals(36, sites.size());
        for (LayerSite s : sites) {
            assertTrue(s.hasBias(), s.layer() + " has a bias");
            boolean intermediate = s.layer().contains("/intermediate/dense/");
            assertEquals(intermediate ? LayerSite.Activation.GELU : LayerSite.Activation.IDENTITY, s.activation(),
                    s.layer());
        }
        String q = "/encoder/layer.2/attention/self/query/MatMul";
        assertEquals(c.site(q).input(), c.site("/encoder/layer.2/attention/self/value/MatMul").input());
        String inter = "/encoder/layer.2/intermediate/dense/MatMul";
        String out = "/encoder/layer.2/output/dense/MatMul";
        long[][] ids = TokenIds.minilm(List.of("The quick brown fox jumps over the lazy dog.", "Hello world",
                "Quantization rounds each weight to a grid."), 32);
        Map<String, float[]> x = c.captureTokens(m, ids, null, List.of(c.site(inter).input(), c.site(out).input()),
                2, 2);
        int rows = TokenIds.totalTokens(ids);
        float[] xi = x.get(c.site(inter).input());
        float[] xo = x.get(c.site(out).input());
        assertEquals(rows * 384, xi.length);
        assertEquals(rows * 1536, xo.length);
        // the input of output.dense is GELU(x·W + b) of intermediate.dense
        WeightTensor w = m.layer(inter).weight();
        float[] wv = w.unsafeData();
        float[] b = c.site(inter).bias();
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 1536; j++) {
                double s = b[j];
                for (int k = 0; k < 384; k++) {
                    s += (double) xi[r * 384 + k] * wv[k * 1536 + j];
                }
                worst = Math.max(worst, Math.abs(gelu(s) - xo[r * 1536 + j]));
            }
        }
        assertTrue(worst < MINILM_TOL, "max |gelu(x·W + b) − captured| = " + worst);
    }

    /**
     * Block by block as GPTQ captures (blocks before k replaced by 4-bit nearest weights), the staged capture runs only
     * blocks k − 1 and k from block k − 1's kept input, and gives every captured value bit for bit equal to a run of
     * the whole model: ONNX Runtime runs the same nodes on the same values.
     */
    @Test
    void stagedCaptureOfMiniLmBlocksEqualsTheWholeModelBitForBit() throws Exception {
        OnnxModel m = Models.minilm();
        OnnxCapture c = OnnxCapture.of(m);
        long[][] ids = TokenIds.minilm(List.of("The quick brown fox jumps over the lazy dog.", "Hello world",
                "Quantization rounds each weight to a grid.", "A longer sentence with quite a few more tokens in it,"
                        + " so that the batches are padded."), 32);
        int[] keep = {0, 2, 5, 11, 12, 20, TokenIds.totalTokens(ids) - 1};
        OnnxCapture.Staged staged = c.staged(ids, keep, 1, 3);
        OnnxModel state = m;
        int fullNodes = m.graph().nodes().size();
        for (int k = 0; k < 6; k++) {
            String block = "/encoder/layer." + k + "/";
            List<String> layers = m.layerNames().stream().filter(l -> l.startsWith(block)).toList();
            List<String> tensors = layers.stream().map(l -> c.site(l).input()).distinct().toList();
            Map<String, float[]> whole = c.captureTokens(state, ids, keep, tensors, 1, 3);
            Map<String, float[]> part = staged.capture(state, tensors);
            assertEquals(whole.keySet(), part.keySet());
            for (String t : tensors) {
                assertArrayEquals(whole.get(t), part.get(t), 0f, "block " + k + " tensor " + t);
            }
            assertTrue(staged.lastNodes() < fullNodes / 2, "block " + k + " ran " + staged.lastNodes() + " of "
                    + fullNodes + " nodes");
            java.util.Map<String, WeightTensor> q = new java.util.HashMap<>();
            for (String l : layers) {
                q.put(l, org.mixquant.quant.FakeQuant.apply(m.layer(l).weight(),
                        org.mixquant.quant.QuantSpec.asymmetric(4)));
            }
            state = state.withWeights(q);
        }
    }

    /** Exact-GELU reference {@code 0.5·x·(1 + erf(x/√2))}. */
    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7). */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    /** emb, q and g of TinyBert in double, one row per token in text order. */
    static double[][][] reference(OnnxModel m, long[][] ids) {
        int rows = TokenIds.totalTokens(ids);
        float[] e = TinyOnnx.values(TinyBert.V * TinyBert.H, 3);
        float[] wq = m.layer("q/MatMul").weight().toArray();
        float[] bq = TinyOnnx.values(TinyBert.H, 5);
        float[] wi = m.layer("i/MatMul").weight().toArray();
        float[] bi = TinyOnnx.values(TinyBert.I, 7);
        double[][][] out = new double[3][rows][];
        int r = 0;
        for (long[] text : ids) {
            for (long id : text) {
                double[] emb = new double[TinyBert.H];
                for (int d = 0; d < TinyBert.H; d++) {
                    emb[d] = e[(int) id * TinyBert.H + d];
                }
                double[] q = affine(emb, wq, bq, TinyBert.H);
                double[] g = affine(q, wi, bi, TinyBert.I);
                for (int d = 0; d < g.length; d++) {
                    g[d] = gelu(g[d]);
                }
                out[0][r] = emb;
                out[1][r] = q;
                out[2][r] = g;
                r++;
            }
        }
        return out;
    }

    private static double[] affine(double[] x, float[] w, float[] b, int out) {
        double[] y = new double[out];
        for (int j = 0; j < out; j++) {
            double s = b[j];
            for (int k = 0; k < x.length; k++) {
                s += x[k] * w[k * out + j];
            }
            y[j] = s;
        }
        return y;
    }
}
