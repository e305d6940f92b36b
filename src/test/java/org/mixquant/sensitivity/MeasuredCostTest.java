package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;

class MeasuredCostTest {
    /** Output distortion and the error sweep sum the same squares in different orders. */
    static final double SUM_TOL = 1e-12;

    /**
     * A two-layer model whose output is y = A·x only: B feeds nothing the output uses. The distortion is
     * Σ_j ‖A e_j − Â e_j‖² = Σ(A − Â)², so by hand: cost(A, b) = SSE of A at b, cost(B, b) = 0 at every b.
     */
    @Test
    void aLayerTheOutputIgnoresCostsNothingAndTheOtherCostsItsOutputError() {
        Tiny fp32 = Tiny.create();
        CostTable t = MeasuredCost.compute(fp32, new OutputError(fp32), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                Progress.NONE);
        ErrorTable e = ErrorTable.compute(fp32, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        assertEquals(CostKind.MEASURED, t.kind());
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            assertEquals(0.0, t.cost(t.indexOf("B"), b), 0.0, "ignored layer at " + b + " bits");
            assertEquals(e.sse(0, b), t.cost(t.indexOf("A"), b), SUM_TOL * e.sse(0, Bits.MIN), "A at " + b);
        }
        assertTrue(t.cost(0, 2) > t.cost(0, 8), "A's cost falls with bits");
        // B is free, so the budget spends nothing on it and all it can on A: 5 bits × 18 weights − 2 × 6 for B
        // leaves 78 bits for A's 12 weights, so 6 bits
        assertEquals(2, MixQuant.budget(t, 5).bitsOf("B"));
        assertEquals(6, MixQuant.budget(t, 5).bitsOf("A"));
        assertEquals(fp32.layers().size() * Bits.COUNT, ((Number) t.provenance().get("passes")).intValue());
    }

    @Test
    void sameInputsGiveTheSameTableAndTheCacheGivesItBack(@TempDir Path dir) {
        Tiny fp32 = Tiny.create();
        List<String> warnings = new ArrayList<>();
        CostTable a = MeasuredCost.table(fp32, new OutputError(fp32), Scheme.SYMMETRIC, Granularity.PER_TENSOR,
                Progress.NONE, warnings::add, dir);
        CostTable b = MeasuredCost.compute(fp32, new OutputError(fp32), Scheme.SYMMETRIC, Granularity.PER_TENSOR,
                Progress.NONE);
        OutputError counting = new OutputError(fp32);
        CostTable c = MeasuredCost.table(fp32, counting, Scheme.SYMMETRIC, Granularity.PER_TENSOR, Progress.NONE,
                warnings::add, dir);
        assertEquals(0, counting.calls, "the second table comes from the cache");
        assertTrue(warnings.isEmpty(), warnings.toString());
        for (int i = 0; i < a.size(); i++) {
            for (int bits = Bits.MIN; bits <= Bits.MAX; bits++) {
                assertEquals(a.cost(i, bits), b.cost(i, bits), 0.0, "deterministic");
                assertEquals(a.cost(i, bits), c.cost(i, bits), 0.0, "cache round trip");
            }
        }
        assertEquals(MixQuant.budget(a, 4).bits(), MixQuant.budget(c, 4).bits());
        // another scheme is another key
        MeasuredCost.table(fp32, counting, Scheme.ASYMMETRIC, Granularity.PER_TENSOR, Progress.NONE, warnings::add,
                dir);
        assertTrue(counting.calls > 0);
    }

    /** The group size is part of the cache key, and a per-group table reads back from the cache per-group. */
    @Test
    void perGroupSizesAreSeparateCacheEntries(@TempDir Path dir) throws IOException {
        Tiny fp32 = Tiny.create();
        OutputError d = new OutputError(fp32);
        assertTrue(!MeasuredCost.key(d, Scheme.ASYMMETRIC, Granularity.perGroup(64))
                .equals(MeasuredCost.key(d, Scheme.ASYMMETRIC, Granularity.perGroup(128))));
        assertTrue(!MeasuredCost.key(d, Scheme.ASYMMETRIC, Granularity.perGroup(128))
                .equals(MeasuredCost.key(d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)));
        List<String> warnings = new ArrayList<>();
        CostTable a = MeasuredCost.table(fp32, d, Scheme.ASYMMETRIC, Granularity.perGroup(2), Progress.NONE,
                warnings::add, dir);
        OutputError counting = new OutputError(fp32);
        CostTable b = MeasuredCost.table(fp32, counting, Scheme.ASYMMETRIC, Granularity.perGroup(2), Progress.NONE,
                warnings::add, dir);
        assertEquals(0, counting.calls, "from the cache");
        assertEquals(Granularity.perGroup(2), b.granularity());
        assertEquals(a.cost(0, 3), b.cost(0, 3), 0.0);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void anUnwritableCacheWarnsAndStillReturnsTheTable(@TempDir Path dir) throws IOException {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        Tiny fp32 = Tiny.create();
        List<String> warnings = new ArrayList<>();
        CostTable t = MeasuredCost.table(fp32, new OutputError(fp32), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                Progress.NONE, warnings::add, notADir.resolve("sub"));
        assertEquals(2, t.size());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("continuing without the cache"), warnings.get(0));
    }

    @Test
    void aCorruptCacheFileIsRecomputed(@TempDir Path dir) throws IOException {
        Tiny fp32 = Tiny.create();
        OutputError d = new OutputError(fp32);
        Files.writeString(dir.resolve(MeasuredCost.key(d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL) + ".json"),
                "{not json");
        List<String> warnings = new ArrayList<>();
        CostTable t = MeasuredCost.table(fp32, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE,
                warnings::add, dir);
        assertTrue(d.calls > 0);
        assertEquals(1, warnings.size());
        assertTrue(t.cost(0, 2) > 0);
    }

    /** Σ over basis inputs of the squared output difference to FP32 (= Σ(A − Â)² for y = A·x). */
    static final class OutputError implements Distortion {
        final float[] reference;
        int calls;

        OutputError(Tiny fp32) {
            reference = fp32.layer("A").weight().unsafeData().clone();
        }

        @Override
        public String metric() {
            return "output error";
        }

        @Override
        public String calibration() {
            return "basis vectors";
        }

        @Override
        public int samples() {
            return 3;
        }

        @Override
        public String modelHash() {
            return "tiny";
        }

        @Override
        public double measure(QuantizableModel model) {
            calls++;
            float[] a = model.layer("A").weight().unsafeData();
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                double diff = (double) a[i] - reference[i];
                s += diff * diff;
            }
            return s;
        }
    }

    /** Two layers A [4, 3] and B [2, 3] with fixed irregular weights; immutable. */
    record Tiny(List<Layer> layers) implements QuantizableModel {
        static Tiny create() {
            float[] a = {0.31f, -1.2f, 0.05f, 0.77f, 0.4f, -0.9f, 1.5f, -0.33f, 0.21f, -0.6f, 0.12f, 0.95f};
            float[] b = {0.5f, -0.25f, 2.0f, -1.1f, 0.3f, 0.7f};
            return new Tiny(List.of(new Layer("A", "A.w", LayerKind.MATMUL, WeightTensor.wrap(a, new int[] {4, 3}, 0)),
                    new Layer("B", "B.w", LayerKind.MATMUL, WeightTensor.wrap(b, new int[] {2, 3}, 0))));
        }

        @Override
        public String source() {
            return "tiny";
        }

        @Override
        public long otherParams() {
            return 0;
        }

        @Override
        public QuantizableModel withWeights(Map<String, WeightTensor> replaced) {
            Map<String, Layer> m = new LinkedHashMap<>();
            for (Layer l : layers) {
                m.put(l.name(), replaced.containsKey(l.name()) ? l.withWeight(replaced.get(l.name())) : l);
            }
            return new Tiny(List.copyOf(m.values()));
        }
    }
}
