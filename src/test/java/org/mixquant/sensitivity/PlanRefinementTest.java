package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.model.QuantizableModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;
import org.mixquant.search.MixQuant;
import org.mixquant.tensor.WeightTensor;

class PlanRefinementTest {
    /** A budget plan may fall short of its budget, never exceed it (the knapsack's decimal epsilon is 1e-9). */
    static final double BUDGET_TOL = 1e-9;
    /** Strong enough that the cross term dominates once A and B both drop to 2 bits. */
    static final double CROSS = 200;

    /**
     * Layers A and B interact (the distortion has a term CROSS·e_A·e_B that no single-layer cost sees), C does not. The
     * single-layer (measured) table under-predicts the whole plan, and the refinement lowers the whole plan's measured
     * distortion within the same budget; every round's result is no worse than its start, and the distortions it
     * reports are those of the plan quantized by {@link NearestRounding}, bit for bit.
     */
    @Test
    void interactingLayersLowerTheWholePlansDistortionWithinTheBudget() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 3.0, Map.of());
        CostTable single = MeasuredCost.compute(fp32, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE);
        double whole = d.measure(new NearestRounding().quantize(fp32, start).model());
        assertTrue(whole > 1.5 * single.predicted(start), "the start plan's layers interact: predicted "
                + single.predicted(start) + ", measured " + whole);
        List<String> log = new ArrayList<>();
        int callsBefore = d.calls;
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 5, Progress.NONE, log::add);
        int calls = d.calls - callsBefore;
        assertEquals(whole, r.startDistortion(), 0.0, "D(start) is the whole plan rounded to nearest");
        assertEquals(d.measure(new NearestRounding().quantize(fp32, r.plan()).model()), r.distortion(), 0.0);
        assertTrue(r.distortion() < 0.8 * r.startDistortion(), r.summary());
        assertTrue(r.plan().averageBits(fp32.paramCounts()) <= 3.0 + BUDGET_TOL, r.plan().toString());
        assertTrue(!r.plan().bits().equals(start.bits()), r.summary());
        assertEquals(r.rounds().size(), log.size());
        double prev = r.startDistortion();
        int passes = 1;
        for (PlanRefinement.Round round : r.rounds()) {
            assertEquals(prev, round.before(), 0.0);
            assertTrue(round.after() <= round.before(), round.line());
            assertEquals(round.step() == PlanRefinement.Step.STOPPED
                    || round.step() == PlanRefinement.Step.FILL_NOTHING, round.moves().isEmpty(), round.line());
            prev = round.after();
            passes += round.passes();
        }
        assertEquals(r.distortion(), prev, 0.0);
        assertEquals(passes, r.passes());
        assertEquals(calls, r.passes(), "one distortion call per pass");
        assertEquals("budget=3-measured+refine", r.plan().name());
        Map<?, ?> refine = (Map<?, ?>) r.plan().params().get("refine");
        assertEquals(5L, refine.get("rounds"));
        assertEquals(r.rounds().stream().filter(x -> !x.isFill()).count(), refine.get("roundsRun"));
        assertEquals(r.distortion(), (Double) refine.get("distortion"), 0.0);
        assertTrue(!r.plan().params().containsKey("predictedCost"), "the start's prediction is not the result's");
        assertEquals(r.plan(), BitPlan.fromJson(r.plan().toJson()), "the refined plan is a valid plan file");
    }

    /**
     * A round measures D(P) once per neighbour width of every layer: 1 up and 1 down inside 2..8, so a layer at 2 or 8
     * bits has one neighbour; plus one pass for the local knapsack's plan unless it is P itself.
     */
    @Test
    void aRoundMeasuresEveryNeighbourWidthOnce() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 3.0, Map.of());
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 1, Progress.NONE, s -> { });
        assertFirstRoundPasses(start, "", r);
    }

    /**
     * The first round ran one pass per neighbour width of every layer but {@code fixed} (none at 2 − 1 or 8 + 1), one
     * for the knapsack plan unless it was the plan itself, and none else (its knapsack plan measured lower here).
     */
    private static void assertFirstRoundPasses(BitPlan start, String fixed, PlanRefinement.Result r) {
        int neighbours = 0;
        for (Map.Entry<String, Integer> e : start.bits().entrySet()) {
            if (!e.getKey().equals(fixed)) {
                neighbours += (e.getValue() > 2 ? 1 : 0) + (e.getValue() < 8 ? 1 : 0);
            }
        }
        PlanRefinement.Round round = r.rounds().get(0);
        assertEquals(neighbours + (Double.isNaN(round.candidate()) ? 0 : 1), round.passes(), round.line());
    }

    /** Same inputs, same rounds and plan: nothing depends on timing or iteration order of hash maps. */
    @Test
    void deterministic() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 2.75, Map.of());
        PlanRefinement.Result a = PlanRefinement.refine(fp32, start, d, 4, Progress.NONE, s -> { });
        PlanRefinement.Result b = PlanRefinement.refine(fp32, start, Errors.interacting(fp32, CROSS), 4, Progress.NONE,
                s -> { });
        assertEquals(a.plan().bits(), b.plan().bits());
        assertEquals(a.plan().params(), b.plan().params());
        assertEquals(a.rounds().size(), b.rounds().size());
        for (int i = 0; i < a.rounds().size(); i++) {
            PlanRefinement.Round x = a.rounds().get(i);
            PlanRefinement.Round y = b.rounds().get(i);
            assertEquals(List.of(x.before(), x.after(), x.step(), x.moves(), x.passes()),
                    List.of(y.before(), y.after(), y.step(), y.moves(), y.passes()));
        }
    }

    /**
     * When the knapsack plan of a round changes many layers and measures worse (here by construction: a distortion
     * that jumps once more than 3 layers leave the start plan), a knapsack plan with at most half as many layers
     * changed is measured and taken; the refinement still ends below the start and within the budget.
     */
    @Test
    void aFailedKnapsackPlanIsFollowedByOneWithFewerMoves() {
        QuantizableModel fp32 = model(6, 8);
        double[] misleading = {10, 10, 10, 1, 1, 1};
        BitPlan start = MixQuant.budget(MeasuredCost.compute(fp32, new Errors(fp32, misleading, 0, null), Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, Progress.NONE), 3.0, Map.of());
        Errors d = new Errors(fp32, new double[] {1, 1, 1, 10, 10, 10}, 0, start);
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 1, Progress.NONE, s -> { });
        PlanRefinement.Round round = r.rounds().get(0);
        assertTrue(round.candidate() > round.before(), "the full knapsack plan moves more than 3 layers: "
                + round.line());
        assertEquals(PlanRefinement.Step.SMALLER_KNAPSACK, round.step(), round.line());
        assertTrue(round.moves().size() <= 3 && !round.moves().isEmpty(), round.line());
        assertTrue(r.distortion() < r.startDistortion(), r.summary());
        assertTrue(r.plan().averageBits(fp32.paramCounts()) <= 3.0 + BUDGET_TOL);
    }

    /**
     * Bits the rounds leave under the budget are spent: here one round can move each layer one bit (3 → 4 on average)
     * while the budget is 5, so the fill after it moves layers up again, each move kept only because the whole plan
     * measured lower. Afterwards the plan is above what the round alone can reach, and no layer one bit up both fits
     * the budget and lowers D.
     */
    @Test
    void bitsLeftUnderTheBudgetAreSpentOnUpMovesThatLowerD() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, 0);
        BitPlan at3 = knapsack(fp32, d, 3.0, Map.of());
        Map<String, Object> params = new LinkedHashMap<>(at3.params());
        params.put("avgBits", 5.0);
        BitPlan start = new BitPlan("budget=5-measured", "tiny", at3.scheme(), at3.granularity(), "avg-bits", params,
                at3.provenance(), at3.bits());
        List<String> log = new ArrayList<>();
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 1, Progress.NONE, log::add);
        assertEquals(1, r.rounds().stream().filter(x -> !x.isFill()).count(), r.rounds().toString());
        PlanRefinement.Round fill = r.rounds().get(1);
        assertEquals(PlanRefinement.Step.FILL, fill.step(), fill.line());
        assertTrue(log.get(1).startsWith("refine fill 1: "), log.get(1));
        assertTrue(fill.moves().stream().allMatch(m -> m.to() == m.from() + 1), fill.line());
        assertTrue(fill.after() < fill.before(), fill.line());
        assertEquals(d.measure(new NearestRounding().quantize(fp32, r.plan()).model()), r.distortion(), 0.0);
        double avg = r.plan().averageBits(fp32.paramCounts());
        assertTrue(avg > 4.0 && avg <= 5.0 + BUDGET_TOL, "one round reaches at most 4 bits, the fill the rest: " + avg);
        for (String layer : fp32.layerNames()) {
            Map<String, Integer> up = new LinkedHashMap<>(r.plan().bits());
            up.put(layer, up.get(layer) + 1);
            BitPlan p = new BitPlan("up", "tiny", start.scheme(), start.granularity(), "manual", Map.of(), Map.of(), up);
            if (up.get(layer) <= 8 && p.averageBits(fp32.paramCounts()) <= 5.0 + BUDGET_TOL) {
                assertTrue(d.measure(new NearestRounding().quantize(fp32, p).model()) >= r.distortion(),
                        layer + " one bit up fits and lowers D: the fill missed it");
            }
        }
        Map<?, ?> refine = (Map<?, ?>) r.plan().params().get("refine");
        assertEquals(1L, refine.get("roundsRun"));
        assertTrue(r.summary().contains("1 round + "), r.summary());
    }

    /** Zero rounds: the knapsack plan itself, and the model is not run. */
    @Test
    void zeroRoundsReturnTheKnapsackPlanUnchanged() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 3.0, Map.of());
        int calls = d.calls;
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 0, Progress.NONE, s -> { });
        assertSame(start, r.plan());
        assertEquals(calls, d.calls, "no pass");
        assertTrue(r.rounds().isEmpty() && r.passes() == 0);
    }

    /**
     * Without interactions the single-layer knapsack plan is already optimal for the whole-plan distortion, so the
     * first round finds nothing better and stops with the plan unchanged.
     */
    @Test
    void anAdditiveDistortionLeavesTheOptimalPlanAlone() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, 0);
        BitPlan start = knapsack(fp32, d, 3.0, Map.of());
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 3, Progress.NONE, s -> { });
        assertEquals(1, r.rounds().size(), r.rounds().toString());
        assertEquals(PlanRefinement.Step.STOPPED, r.rounds().get(0).step());
        assertEquals(start.bits(), r.plan().bits());
        assertEquals(r.startDistortion(), r.distortion(), 0.0);
    }

    /** Layers the start plan fixed (BRECQ's first/last at int8) keep their bits and are not measured around. */
    @Test
    void fixedLayersKeepTheirBits() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 3.5, Map.of("C", 4));
        PlanRefinement.Result r = PlanRefinement.refine(fp32, start, d, 3, Progress.NONE, s -> { });
        assertEquals(4, r.plan().bitsOf("C"));
        assertTrue(r.plan().averageBits(fp32.paramCounts()) <= 3.5 + BUDGET_TOL);
        assertTrue(r.distortion() <= r.startDistortion());
        assertFirstRoundPasses(start, "C", r);
    }

    @Test
    void badInputsAreRefusedByName() {
        QuantizableModel fp32 = model();
        Errors d = Errors.interacting(fp32, CROSS);
        BitPlan start = knapsack(fp32, d, 3.0, Map.of());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PlanRefinement.refine(fp32, start, d, -1,
                Progress.NONE, s -> { })).getMessage().contains("rounds must be ≥ 0, got -1"));
        BitPlan uniform = BitPlan.uniform("tiny", fp32.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PlanRefinement.refine(fp32, uniform, d, 1,
                Progress.NONE, s -> { })).getMessage().contains("only a size-budget plan"));
        Map<String, Object> params = new LinkedHashMap<>(start.params());
        params.put("avgBits", 2.5);
        BitPlan over = new BitPlan("over", "tiny", start.scheme(), start.granularity(), "avg-bits", params,
                start.provenance(), start.bits());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PlanRefinement.refine(fp32, over, d, 1,
                Progress.NONE, s -> { })).getMessage().contains("above its budget of 2.5"));
    }

    /** The knapsack plan of the single-layer (measured) table, as {@code search --cost measured} makes it. */
    private static BitPlan knapsack(QuantizableModel fp32, Distortion d, double avgBits, Map<String, Integer> fixed) {
        CostTable t = MeasuredCost.compute(fp32, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE);
        return MixQuant.budget(t, avgBits, fixed);
    }

    /** Three layers of fixed pseudo-random weights: A and B [8, 8], C [8, 16]. */
    static QuantizableModel model() {
        return new MeasuredCostTest.Tiny(List.of(layer("A", 8, 8, 7), layer("B", 8, 8, 8), layer("C", 8, 16, 9)));
    }

    /** {@code n} layers L0.. of [8, cols] pseudo-random weights. */
    static QuantizableModel model(int n, int cols) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            layers.add(layer("L" + i, 8, cols, 100 + i));
        }
        return new MeasuredCostTest.Tiny(List.copyOf(layers));
    }

    private static Layer layer(String name, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        return new Layer(name, name + ".w", LayerKind.MATMUL, WeightTensor.wrap(w, new int[] {rows, cols}, 0));
    }

    /**
     * Σ a_l·e_l + cross·e_0·e_1 (e_l = Σ(w − ŵ)²/Σw² of the l-th layer against the FP32 weights), plus 100 when more
     * than 3 layers differ from {@code start} rounded to nearest (never when {@code start} is null). With one layer
     * quantized the cross term is 0, so single-layer costs miss it; the jump makes changing many layers at once costly.
     */
    static final class Errors implements Distortion {
        final QuantizableModel fp32;
        final double[] weights;
        final double cross;
        final Map<String, float[]> startWeights = new LinkedHashMap<>();
        int calls;

        Errors(QuantizableModel fp32, double[] weights, double cross, BitPlan start) {
            this.fp32 = fp32;
            this.weights = weights.clone();
            this.cross = cross;
            if (start != null) {
                new NearestRounding().quantize(fp32, start).model().layers()
                        .forEach(l -> startWeights.put(l.name(), l.weight().unsafeData()));
            }
        }

        /** 0.1·(e_A + e_B) + 2·e_C + cross·e_A·e_B on {@link #model()}: A and B look cheap one at a time. */
        static Errors interacting(QuantizableModel fp32, double cross) {
            return new Errors(fp32, new double[] {0.1, 0.1, 2}, cross, null);
        }

        @Override
        public String metric() {
            return "weighted relative errors";
        }

        @Override
        public String calibration() {
            return "none";
        }

        @Override
        public int samples() {
            return 1;
        }

        @Override
        public String modelHash() {
            return "tiny";
        }

        @Override
        public double measure(QuantizableModel model) {
            calls++;
            double[] e = new double[weights.length];
            double s = 0;
            int moved = 0;
            for (int i = 0; i < weights.length; i++) {
                String name = fp32.layers().get(i).name();
                float[] w = model.layer(name).weight().unsafeData();
                float[] ref = fp32.layer(name).weight().unsafeData();
                double num = 0;
                double den = 0;
                for (int k = 0; k < w.length; k++) {
                    num += ((double) w[k] - ref[k]) * ((double) w[k] - ref[k]);
                    den += (double) ref[k] * ref[k];
                }
                e[i] = num / den;
                s += weights[i] * e[i];
                moved += !startWeights.isEmpty() && !java.util.Arrays.equals(w, startWeights.get(name)) ? 1 : 0;
            }
            return s + cross * e[0] * e[1] + (moved > 3 ? 100 : 0);
        }
    }
}
