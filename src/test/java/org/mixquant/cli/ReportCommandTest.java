package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.cli.CliHarness.Run;
import org.mixquant.eval.EqualBits;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.notebook.Tables;
import org.mixquant.quant.BitPlan;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * {@code mixquant report}, the main job, in process on a small corpus (32 fortunes), image subset (300) and
 * calibration set (8 images or fortunes for the default measured and fisher costs).
 */
class ReportCommandTest {
    static final int TEXTS = 32;
    static final int IMAGES = 300;
    static final int CALIBRATION = 8;

    @TempDir
    Path dir;

    static Run report(Path out) {
        return CliHarness.run("report", "-o", out.toString(), "--corpus-size", Integer.toString(TEXTS),
                "--uniform", "4,3", "--qem", "300", "--max-rel-error", "0.02", "--avg-bits", "4,3",
                "--cnn", "resnet20-fashion", "--cnn-uniform", "4,3", "--images", Integer.toString(IMAGES),
                "--gptq-bits", "4", "--gptq-calibration", "8", "--calibration", Integer.toString(CALIBRATION),
                "-q");
    }

    static Set<String> names(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** Σ bits·params / Σ params of a plan file, over the params column of error-table.csv (exact integers). */
    static double averageBits(Path planFile, Path errorTable) throws Exception {
        BitPlan p = BitPlan.read(planFile);
        Table t = Table.read().csv(errorTable.toString());
        long params = 0;
        long bits = 0;
        for (int r = 0; r < t.rowCount(); r++) {
            long n = ((Number) t.column("params").get(r)).longValue();
            params += n;
            bits += n * p.bitsOf(t.stringColumn("layer").get(r));
        }
        return (double) bits / params;
    }

    @Test
    void writesEveryFileAndComparesMixQuantWithUniformAtEqualBits() throws Exception {
        Path out = dir.resolve("report");
        Run r = report(out);
        assertEquals(ExitCodes.OK, r.code(), () -> r.err() + r.out());

        assertEquals(Set.of("results.csv", "results.json", "error-table.csv", "error-curves.png",
                "qe-ratio-curves.png", "chosen-bits.png", "plans", "resnet20-fashion"), names(out));
        assertEquals(Set.of("qem=300.json", "rel_=0.02.json", "budget=4.json", "budget=3.json",
                "budget=4-measured.json", "budget=3-measured.json"), names(out.resolve("plans")),
                "one plan file per MixQuant plan; by default the measured cost too (fisher is for CNNs only)");
        Path cnn = out.resolve("resnet20-fashion");
        assertEquals(Set.of("results.csv", "results.json", "error-table.csv", "error-curves.png", "chosen-bits.png",
                "plans"), names(cnn));
        Set<String> cnnPlans = new TreeSet<>(names(out.resolve("plans")));
        cnnPlans.addAll(Set.of("budget=4-fisher.json", "budget=3-fisher.json"));
        assertEquals(cnnPlans, names(cnn.resolve("plans")), "the CNN also gets fisher plans by default");

        // MiniLM: the CSV reads back into rows, in the order fp32, uniform plans, qem, relative error, budgets.
        Table csv = Table.read().usingOptions(CsvReadOptions.builder(out.resolve("results.csv").toFile())
                .tableName("minilm"));
        List<EvalRow> rows = Tables.toEvaluations(csv);
        assertEquals(List.of("fp32", "uniform-4", "uniform-3", "qem=300", "rel<=0.02", "budget=4", "budget=3",
                "budget=4-measured", "budget=3-measured", "uniform-4"), rows.stream().map(EvalRow::plan).toList());
        // the last row: GPTQ at uniform int4 on 8 calibration fortunes (fewer token rows than a layer's columns:
        // dampened, with a warning on stderr), far closer to FP32 than chance and never NaN
        EvalRow gptq4 = rows.get(9);
        assertEquals("gptq", gptq4.methodId());
        assertTrue(gptq4.metric(MetricId.MEAN_COSINE) > 0.8, gptq4.toString());
        assertTrue(r.err().contains("calibration rows for 1536 input columns"), r.err());
        JsonNode json = BaseCommand.JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(TEXTS, json.get("corpusSize").asInt());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode j = json.get("rows").get(i);
            EvalRow e = rows.get(i);
            assertEquals(e.plan(), j.get("plan").asText());
            assertEquals(e.averageBits(), j.get("averageBits").asDouble(), 0.0, "CSV and JSON at full precision");
            assertEquals(e.metric(MetricId.MEAN_COSINE), j.get("meanCosine").asDouble(), 0.0, e.plan());
            assertTrue(e.metric(MetricId.MEAN_COSINE) <= 1 + 1e-6, "cosine ≤ 1 up to float32 rounding");
        }
        assertEquals(1.0, rows.get(0).metric(MetricId.MEAN_COSINE), 0.0);
        assertEquals(averageBits(out.resolve("plans/budget=3.json"), out.resolve("error-table.csv")),
                rows.get(6).averageBits(), 0.0, "the row's average bits are its plan file's, exactly");

        // Each budget row is compared with the uniform row of the same bits, in the table and on stdout.
        Map<String, String> pairedWith = new HashMap<>();
        for (EqualBits.Pair p : EqualBits.pairs(rows)) {
            pairedWith.put(p.mixQuant().plan(), p.uniform().plan());
            String line = String.format(Locale.ROOT, "  %s (%.4f bits) vs %s: mean cos %.5f vs %.5f",
                    p.mixQuant().plan(), p.mixQuant().averageBits(), p.uniform().plan(),
                    p.mixQuant().metric(MetricId.MEAN_COSINE), p.uniform().metric(MetricId.MEAN_COSINE));
            assertTrue(r.out().contains(line), "stdout lists " + line + ":\n" + r.out());
        }
        assertEquals("uniform-4", pairedWith.get("budget=4"), pairedWith::toString);
        assertEquals("uniform-3", pairedWith.get("budget=3"), pairedWith::toString);
        assertEquals("uniform-4", pairedWith.get("budget=4-measured"), pairedWith::toString);
        assertEquals("uniform-3", pairedWith.get("budget=3-measured"), pairedWith::toString);
        // ... listed together by uniform plan: the qe budget line, then the measured one
        int qe4 = r.out().indexOf("  budget=4 (");
        int measured4 = r.out().indexOf("  budget=4-measured (");
        int qe3 = r.out().indexOf("  budget=3 (");
        assertTrue(qe4 >= 0 && qe4 < measured4 && measured4 < qe3, r.out());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "on %d calibration sentences (fortunes[512:%d]",
                CALIBRATION, 512 + CALIBRATION)), "the calibration set is named under the table:\n" + r.out());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "on %d calibration images", CALIBRATION)), r.out());

        // ResNet-20: top-1 on the image subset, budget=3 against uniform-3 at equal bits.
        JsonNode cnnRows = BaseCommand.JSON.readTree(cnn.resolve("results.json").toFile()).get("rows");
        assertEquals(List.of("fp32", "uniform-4", "uniform-3", "qem=300", "rel<=0.02", "budget=4", "budget=3",
                "budget=4-measured", "budget=3-measured", "budget=4-fisher", "budget=3-fisher"),
                java.util.stream.StreamSupport.stream(cnnRows.spliterator(), false).map(j -> j.get("plan").asText())
                        .toList());
        double fp32Top1 = cnnRows.get(0).get("top1").asDouble();
        JsonNode u3 = cnnRows.get(2);
        JsonNode b3 = cnnRows.get(6);
        assertEquals("uniform-3", u3.get("plan").asText());
        assertEquals("budget=3", b3.get("plan").asText());
        for (JsonNode j : cnnRows) {
            assertEquals(IMAGES, j.get("images").asInt(), "scored on the subset");
            double top1 = j.get("top1").asDouble();
            assertEquals(Math.rint(top1 * IMAGES), top1 * IMAGES, 1e-9, "top-1 is a count of " + IMAGES);
            assertEquals(100 * (fp32Top1 - top1), j.get("dropPoints").asDouble(), 0.0, "drop in points from FP32");
        }
        assertTrue(fp32Top1 > 0.8, "the trained ResNet-20 is far above chance: " + fp32Top1);
        assertTrue(EqualBits.equal(b3.get("averageBits").asDouble(), u3.get("averageBits").asDouble()),
                b3 + " vs " + u3);
        assertEquals(averageBits(cnn.resolve("plans/budget=3.json"), cnn.resolve("error-table.csv")),
                b3.get("averageBits").asDouble(), 0.0);
        assertTrue(r.out().contains(String.format(Locale.ROOT, "  budget=3 (%.4f bits) vs uniform-3: top-1 %.2f%% vs"
                + " %.2f%%", b3.get("averageBits").asDouble(), 100 * b3.get("top1").asDouble(),
                100 * u3.get("top1").asDouble())), r.out());
    }

    /**
     * {@code --cost measured} adds a size-budget plan over the measured table per budget (MiniLM only here, 8
     * calibration texts): a row and a plan file each, within the budget, compared with uniform at equal bits.
     */
    @Test
    void measuredCostAddsABudgetPlanPerBudget() throws Exception {
        Path out = dir.resolve("measured");
        Run r = CliHarness.run("report", "-o", out.toString(), "--corpus-size", Integer.toString(TEXTS),
                "--uniform", "4", "--qem", "300", "--max-rel-error", "0.02", "--avg-bits", "4,3.5", "--cnn", "",
                "--cost", "qe,measured", "--calibration", "8", "--gptq-bits", "0", "-q");
        assertEquals(ExitCodes.OK, r.code(), () -> r.err() + r.out());
        assertEquals(Set.of("qem=300.json", "rel_=0.02.json", "budget=4.json", "budget=3.5.json",
                "budget=4-measured.json", "budget=3.5-measured.json"), names(out.resolve("plans")));
        for (String budget : List.of("4", "3.5")) {
            double avg = averageBits(out.resolve("plans").resolve("budget=" + budget + "-measured.json"),
                    out.resolve("error-table.csv"));
            assertTrue(avg <= Double.parseDouble(budget) + 1e-12, budget + ": " + avg);
            assertTrue(avg > Double.parseDouble(budget) - 0.25, budget + ": " + avg);
        }
        Table csv = Table.read().usingOptions(CsvReadOptions.builder(out.resolve("results.csv").toFile())
                .tableName("minilm"));
        assertEquals(List.of("fp32", "uniform-4", "qem=300", "rel<=0.02", "budget=4", "budget=3.5",
                "budget=4-measured", "budget=3.5-measured"),
                Tables.toEvaluations(csv).stream().map(EvalRow::plan).toList());
        assertTrue(r.out().contains("budget=4-measured"), r.out());
    }
}
