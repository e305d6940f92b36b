package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.search.CostTable;
import org.mixquant.search.CostKind;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;

/** The study grid on a tiny BERT-shaped encoder (fast, no bundled model needed). */
class StudyTest {
    /**
     * Nearest rounding that fixes the first and last layers at 8 bits whatever the plan, as BRECQ does: the method
     * the equal-bits budget has to account for.
     */
    static final class FirstLastAt8 implements Quantizer {
        private final NearestRounding nearest = new NearestRounding();

        @Override
        public String name() {
            return "nearest-fl8";
        }

        @Override
        public Map<String, Integer> fixedLayers(QuantizableModel model) {
            List<Layer> ls = model.layers();
            Map<String, Integer> m = new LinkedHashMap<>();
            m.put(ls.get(0).name(), 8);
            m.put(ls.get(ls.size() - 1).name(), 8);
            return m;
        }

        @Override
        public QuantizedModel quantize(QuantizableModel model, BitPlan plan) {
            Map<String, Integer> bits = new LinkedHashMap<>(plan.bits());
            bits.putAll(fixedLayers(model));
            String name = bits.equals(plan.bits()) ? plan.name() : plan.name() + "+fl8";
            return nearest.quantize(model, new BitPlan(name, plan.model(), plan.scheme(), plan.granularity(),
                    plan.rule(), plan.params(), plan.provenance(), bits));
        }
    }

    record Update(String task, long done, long total) {
    }

    @Test
    void rowsComeFp32FirstThenMethodByPlanAndBudgetsMeetTheirMethodsUniformPlan() throws Exception {
        OnnxModel fp32 = EmbeddingEvaluatorTest.tinyEncoder(Map.of());
        ErrorTable table = ErrorTable.compute(fp32, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, 1, Progress.NONE);
        List<Update> updates = new ArrayList<>();
        List<String> log = new ArrayList<>();
        List<EvalRow> rows;
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, EmbeddingEvaluatorTest.TEXTS, 1,
                    Progress.NONE);
            Study.Subject subject = Study.Subject.embeddings(fp32, table, ev);
            Study.Method nearest = Study.Method.of(new NearestRounding());
            Study.Method fixing = Study.Method.of(new FirstLastAt8());
            Study study = Study.of(List.of(subject), List.of(nearest, fixing), List.of(Study.PlanRecipe.uniform(3),
                    Study.PlanRecipe.budget(3), Study.PlanRecipe.qem(300)));
            assertEquals(7, study.size());
            List<BitPlan> plans = study.plans(subject, fixing);
            assertSame(plans.get(1), study.plans(subject, fixing).get(1), "each plan is made once per study");
            rows = study.run((task, done, total) -> updates.add(new Update(task, done, total)), log::add);
            assertEquals(plans.get(1).name(), rows.get(5).plan(), "run applies the plans it handed out");
        }
        assertEquals(7, rows.size());
        assertEquals(List.of("fp32", "nearest", "nearest", "nearest", "nearest-fl8", "nearest-fl8", "nearest-fl8"),
                rows.stream().map(EvalRow::methodId).toList());
        assertEquals(List.of("fp32", "uniform", "avg-bits", "qem", "uniform", "avg-bits", "qem"),
                rows.stream().map(EvalRow::rule).toList());
        EvalRow ref = rows.get(0);
        assertEquals(1.0, ref.metric(MetricId.MEAN_COSINE), 0.0, "FP32 by definition");
        assertEquals(32.0, ref.averageBits(), 0.0);
        assertEquals(EmbeddingEvaluatorTest.TEXTS.size(), ref.samples());
        assertEquals(new Update("study", 7, 7), updates.get(updates.size() - 1));
        assertEquals(7, updates.size(), "one update per row");
        assertEquals(12, log.size(), "two log lines per quantized row");

        assertEquals(0.0, rows.get(1).seconds().search(), 0.0, "a uniform plan has no search");
        assertTrue(rows.get(2).seconds().search() >= table.seconds(), "a search costs at least the error sweep");
        assertEquals(SizeReport.of(fp32, MixQuant.budget(table, 3)).averageBits(), rows.get(2).averageBits(), 0.0);

        EvalRow uniform8 = rows.get(4);
        EvalRow budget8 = rows.get(5);
        assertEquals("uniform-3+fl8", uniform8.plan(), "the method fixed its layers in the uniform plan");
        assertTrue(uniform8.averageBits() > 3.05, "first/last at 8 bits raise the average: " + uniform8.averageBits());
        assertEquals("budget=3+fl8", budget8.plan(), "the budget plan already has them: applied unchanged");
        assertTrue(EqualBits.equal(budget8.averageBits(), uniform8.averageBits()),
                budget8.averageBits() + " vs " + uniform8.averageBits());
        List<EqualBits.Pair> pairs = EqualBits.pairs(rows);
        assertTrue(pairs.stream().anyMatch(p -> p.mixQuant() == budget8 && p.uniform() == uniform8), pairs::toString);
        assertTrue(pairs.stream().anyMatch(p -> p.mixQuant() == rows.get(2) && p.uniform() == rows.get(1)),
                "each method's budget meets its own uniform plan: " + pairs);
        for (EvalRow r : rows.subList(1, 7)) {
            double c = r.metric(MetricId.MEAN_COSINE);
            assertTrue(c > 0 && c < 1, r.plan() + ": a quantized encoder is close to, not equal to, FP32: " + c);
        }
    }

    @Test
    void aSubjectWithoutAnErrorTableTakesFixedPlansOnly() throws Exception {
        OnnxModel fp32 = EmbeddingEvaluatorTest.tinyEncoder(Map.of());
        BitPlan p = BitPlan.uniform(fp32.source(), fp32.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, EmbeddingEvaluatorTest.TEXTS, 1,
                    Progress.NONE);
            Study.Subject s = Study.Subject.embeddings(fp32, null, ev);
            Study.Method m = Study.Method.of(new NearestRounding());
            List<EvalRow> rows = Study.of(List.of(s), List.of(m), List.of(Study.PlanRecipe.fixed(p)))
                    .run(Progress.NONE);
            assertEquals("uniform-4", rows.get(1).plan());
            assertEquals(4.0, rows.get(1).averageBits(), 0.0);
            assertThrows(IllegalStateException.class, () -> Study.of(List.of(s), List.of(m),
                    List.of(Study.PlanRecipe.uniform(4))).run(Progress.NONE));
            assertThrows(IllegalStateException.class, () -> Study.of(List.of(s), List.of(m),
                    List.of(Study.PlanRecipe.budget(4))).run(Progress.NONE));
            assertThrows(IllegalArgumentException.class, () -> Study.of(List.of(s), List.of(), List.of()));
            Study.Subject other = Study.Subject.embeddings(fp32, null, ev);
            assertThrows(IllegalArgumentException.class, () -> Study.of(List.of(s), List.of(m), List.of())
                    .plans(other, m), "a subject of another study");
        }
    }
    /**
     * A budget over a cost table: the plan is the knapsack over the subject's own table (found by model source among
     * several), named budget=B-COST; a model no table is for is an error naming it.
     */
    @Test
    void aCostBudgetRecipeUsesTheTableOfTheSubjectsModel() throws Exception {
        OnnxModel fp32 = EmbeddingEvaluatorTest.tinyEncoder(Map.of());
        List<String> layers = fp32.layerNames();
        long[] params = new long[layers.size()];
        double[][] cost = new double[layers.size()][7];
        for (int i = 0; i < layers.size(); i++) {
            params[i] = fp32.layers().get(i).params();
            for (int b = 0; b < 7; b++) {
                // layer 0 matters 1000x more than the others: the knapsack gives it more bits
                cost[i][b] = (i == 0 ? 1000 : 1) * Math.pow(4, -b);
            }
        }
        CostTable mine = CostTable.of(CostKind.MEASURED, fp32.source(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                layers, params, cost, Map.of(), 0);
        CostTable other = CostTable.of(CostKind.MEASURED, "another-model", Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, layers, params, cost, Map.of(), 0);
        Study.PlanRecipe r = Study.PlanRecipe.budget(3, List.of(other, mine));
        BitPlan p = r.make(fp32, null, new NearestRounding());
        assertEquals(MixQuant.budget(mine, 3).bits(), p.bits());
        assertEquals("budget=3-measured", p.name());
        assertTrue(p.bitsOf(layers.get(0)) > 3, "the costly layer gets more than the average: " + p.bits());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Study.PlanRecipe.budget(3, List.of(other)).make(fp32, null, new NearestRounding()));
        assertTrue(e.getMessage().contains(fp32.source()), e.getMessage());
    }
}
