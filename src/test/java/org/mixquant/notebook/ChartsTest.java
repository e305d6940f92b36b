package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapSeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mixquant.eval.ComparisonRow;
import org.mixquant.eval.Evaluation;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.tensor.WeightTensor;

/**
 * Every chart renders headless to a PNG of the promised size, with the promised series and axes. Inputs are synthetic
 * (no model loading). To look at the charts, run with {@code -Dmixquant.charts.dir=/tmp/charts}: the PNGs are then
 * kept there instead of in a temporary folder.
 */
class ChartsTest {
    /** A PNG of a 900×500 chart with axes, text and data is tens of kB; an empty frame compresses to a few kB. */
    static final long MIN_PNG_BYTES = 8_000;
    static final long MAX_PNG_BYTES = 3_000_000;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
        assertTrue(GraphicsEnvironment.isHeadless(), "charts must render without a display");
    }

    static Path outDir() {
        String d = System.getProperty("mixquant.charts.dir");
        return d == null || d.isBlank() ? tmp : Path.of(d);
    }

    // ------------------------------------------------------------------------------------------ synthetic inputs

    static final String[] SUBLAYERS = {"attention/self/query", "attention/self/key", "attention/self/value",
        "attention/output/dense", "intermediate/dense", "output/dense"};

    /**
     * A MiniLM-shaped table: 6 blocks × 6 MatMuls = 36 layers, QE(b) = c·((2^8−1)/(2^b−1))² with c spread over
     * 1e-7..5e-7 and a few per cent of scatter, except the FFN down-projections of blocks 1, 3 and 5
     * (outlier-heavy), whose ratios are flatter (the model ratio to the power 0.75, 0.8, 0.85). Σw² puts the 8-bit
     * relative error near 1e-4, as for real weights.
     */
    static ErrorTable miniLm() {
        Random rnd = new Random(42);
        List<String> layers = new ArrayList<>();
        List<Long> params = new ArrayList<>();
        List<double[]> sse = new ArrayList<>();
        List<Double> sq = new ArrayList<>();
        for (int blk = 0; blk < 6; blk++) {
            for (String sub : SUBLAYERS) {
                String name = "/encoder/layer." + blk + "/" + sub + "/MatMul";
                long n = sub.startsWith("intermediate") || sub.startsWith("output") ? 384L * 1536 : 384L * 384;
                double c = 1e-7 + 4e-7 * rnd.nextDouble();
                boolean outlier = sub.equals("output/dense") && blk % 2 == 1;
                double flatten = 0.75 + 0.05 * (blk / 2);
                double[] e = new double[Bits.COUNT];
                for (int k = 0; k < Bits.COUNT; k++) {
                    double ratio = ErrorTable.modelRatioTo8(Scheme.ASYMMETRIC, Bits.MIN + k);
                    // Real layers scatter a few per cent around the model; QE(8) = c exactly.
                    double jitter = k == Bits.COUNT - 1 ? 1 : 1 + 0.04 * rnd.nextGaussian();
                    e[k] = c * (outlier ? Math.pow(ratio, flatten) : ratio * jitter) * n;
                }
                layers.add(name);
                params.add(n);
                sse.add(e);
                sq.add(n * c * 12 * 255.0 * 255.0 / 100);
            }
        }
        return ErrorTable.of("minilm-synthetic", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, layers,
                params.stream().mapToLong(Long::longValue).toArray(), sse.toArray(new double[0][]),
                sq.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Three layers with hand-picked errors (exact values for table tests). */
    static ErrorTable small() {
        List<String> layers = List.of("fc1", "fc2 <out>", "head");
        long[] params = {1000, 2000, 10};
        double[][] sse = new double[3][Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            double r = ErrorTable.modelRatioTo8(Scheme.ASYMMETRIC, Bits.MIN + k);
            sse[0][k] = 1e-4 * r;
            sse[1][k] = 3e-4 * Math.pow(r, 0.8);
            sse[2][k] = 2.5e-6 * r;
        }
        return ErrorTable.of("tiny", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, layers, params, sse,
                new double[] {4.0, 9.0, 0.5});
    }

    /** Model size of the synthetic MiniLM at {@code avgBits} (10.6 M quantized weights, 12.1 M FP32 others). */
    static double sizeMB(double avgBits) {
        return 48.4 + 10_616_832 * avgBits / 8e6 + 0.1;
    }

    /** 1 − cosine falls ~4× per extra bit; budgeted plans do better than uniform at the same average bits. */
    static Evaluation row(String plan, String rule, String method, double bits, double gain, double secs) {
        double dist = 0.5 * Math.pow(4, -(bits - 2)) * gain;
        String hist = rule.equals("uniform") ? (int) bits + ":36" : "mixed";
        return new Evaluation(plan, rule, method, bits, sizeMB(bits), 1 - dist, 1 - 3 * dist, 1 - 2 * Math.sqrt(dist),
                secs, 0.8, 2.1, hist);
    }

    /** A full comparison: FP32, uniform 2..8, a qem sweep, budgets, relative-error thresholds; two methods. */
    static List<Evaluation> sweep(boolean twoMethods) {
        List<Evaluation> rows = new ArrayList<>();
        rows.add(new Evaluation("fp32", "fp32", "none", 32, 90.9, 1, 1, 1, 0, 0, 3.2, "fp32"));
        List<String> methods = twoMethods ? List.of("nearest", "adaround") : List.of("nearest");
        for (String m : methods) {
            double g = m.equals("adaround") ? 0.55 : 1;
            for (int b = 2; b <= 8; b++) {
                rows.add(row("uniform-" + b, "uniform", m, b, g, 0));
            }
            double[] qem = {1.5, 5, 20, 80, 300, 1500};
            double[] qemBits = {8, 7, 6, 4.92, 3.95, 2.97};
            for (int i = 0; i < qem.length; i++) {
                rows.add(row("qem=" + qem[i], "qem", m, qemBits[i], g, 0.002));
            }
            for (double b : new double[] {2.5, 3, 3.5, 4, 5, 6}) {
                rows.add(row("budget=" + b, "avg-bits", m, b, 0.7 * g, 0.004));
            }
            double[] relBits = {7.1, 5.6, 4.3, 3.2};
            for (int i = 0; i < relBits.length; i++) {
                rows.add(row("rel<=1e-" + (4 - i), "max-rel-error", m, relBits[i], 0.85 * g, 0.001));
            }
        }
        return rows;
    }

    /** A [384, 384] MatMul weight (channel axis 1): Gaussian, std 0.04, with a few heavy-tailed outliers. */
    static WeightTensor weights() {
        Random rnd = new Random(3);
        float[] w = new float[384 * 384];
        for (int i = 0; i < w.length; i++) {
            double g = rnd.nextGaussian() * 0.04;
            if (rnd.nextInt(2000) == 0) {
                g *= 5;
            }
            w[i] = (float) g;
        }
        return WeightTensor.of(w, new int[] {384, 384}, 1);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /** Saves the chart, reads the PNG back and checks its size. */
    static BufferedImage png(Chart<?, ?> chart, String name) throws IOException {
        Path file = outDir().resolve(name + ".png");
        Charts.savePng(chart, file);
        long bytes = Files.size(file);
        assertTrue(bytes > MIN_PNG_BYTES && bytes < MAX_PNG_BYTES, name + ": implausible PNG size " + bytes);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(chart.getWidth(), img.getWidth(), name + " width");
        assertEquals(chart.getHeight(), img.getHeight(), name + " height");
        assertTrue(img.getWidth() >= 600 && img.getHeight() >= 300, name + ": too small to read");
        return img;
    }

    static List<String> shownInLegend(XYChart chart) {
        List<String> names = new ArrayList<>();
        for (XYSeries s : chart.getSeriesMap().values()) {
            if (s.isShowInLegend()) {
                names.add(s.getName());
            }
        }
        return names;
    }

    // ---------------------------------------------------------------------------------------- existing charts

    @Test
    void errorCurvesDrawOneLinePerLayerOnALogAxis() throws IOException {
        XYChart c = Charts.errorCurves(small());
        assertEquals(3, c.getSeriesMap().size());
        assertTrue(c.getStyler().isYAxisLogarithmic());
        XYSeries fc1 = c.getSeriesMap().get("fc#");
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7, 8}, fc1.getXData(), 0.0);
        assertEquals(small().mse(0, 2), fc1.getYData()[0], 0.0);
        png(c, "error-curves-3-layers");

        XYChart big = Charts.errorCurves(miniLm());
        assertEquals(36, big.getSeriesMap().size());
        assertEquals(6, shownInLegend(big).size(), "one legend entry per layer group");
        png(big, "error-curves");
    }

    @Test
    void ratioCurvesAddTheNoiseModelLine() throws IOException {
        ErrorTable t = miniLm();
        XYChart c = Charts.ratioCurves(t);
        assertEquals(t.size() + 1, c.getSeriesMap().size(), "a line per layer plus the step²/12 model");
        assertTrue(c.getStyler().isYAxisLogarithmic());
        XYSeries model = null;
        for (XYSeries s : c.getSeriesMap().values()) {
            if (s.getName().startsWith("step²/12 model")) {
                model = s;
            }
        }
        assertTrue(model != null, "model line present");
        // Asymmetric grid: ((2^8−1)/(2^b−1))², written out so the test does not restate the production formula.
        double[] expected = new double[Bits.COUNT];
        int[] levels = {3, 7, 15, 31, 63, 127, 255};
        for (int k = 0; k < Bits.COUNT; k++) {
            expected[k] = (255.0 / levels[k]) * (255.0 / levels[k]);
        }
        assertArrayEquals(expected, model.getYData(), 1e-9);
        assertTrue(model.getName().contains("(2^8−1)/(2^b−1)"), model.getName());
        png(c, "ratio-curves");
    }

    /** A symmetric table gets the symmetric noise model, (127/(2^(b−1)−1))², not the asymmetric one. */
    @Test
    void ratioCurvesUseTheSymmetricModelForSymmetricTables() {
        ErrorTable a = small();
        double[][] sse = new double[a.size()][Bits.COUNT];
        double[] sq = new double[a.size()];
        long[] params = new long[a.size()];
        for (int i = 0; i < a.size(); i++) {
            params[i] = a.params(i);
            sq[i] = a.sumSquares(i);
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                sse[i][b - Bits.MIN] = a.sse(i, b);
            }
        }
        ErrorTable t = ErrorTable.of("tiny", Scheme.SYMMETRIC, Granularity.PER_CHANNEL, a.layers(), params, sse, sq);
        XYSeries model = null;
        for (XYSeries s : Charts.ratioCurves(t).getSeriesMap().values()) {
            if (s.getName().startsWith("step²/12 model")) {
                model = s;
            }
        }
        assertTrue(model != null, "model line present");
        int[] halfLevels = {1, 3, 7, 15, 31, 63, 127};
        for (int k = 0; k < Bits.COUNT; k++) {
            assertEquals((127.0 / halfLevels[k]) * (127.0 / halfLevels[k]), model.getYData()[k], 1e-9, "bits " + (k + 2));
        }
        assertTrue(model.getName().contains("127/(2^(b−1)−1)"), model.getName());
    }

    static List<ComparisonRow> comparisonRows() {
        List<ComparisonRow> rows = new ArrayList<>();
        rows.add(new ComparisonRow("m", "none", "fp32", "fp32", 32, 1.0, "top1_%", 92, 92, Double.NaN, 0, 0, 1, "fp32"));
        for (String method : List.of("nearest-asymmetric", "brecq-asymmetric")) {
            for (int b = 2; b <= 4; b++) {
                rows.add(new ComparisonRow("m", method, "uniform-" + b, "uniform", b, b / 32.0, "top1_%", 80 + b,
                        92, Double.NaN, 0, 1, 1, b + ":20"));
            }
            rows.add(new ComparisonRow("m", method, "budget=3", "avg-bits", 3, 3 / 32.0, "top1_%", 84, 92,
                    Double.NaN, 0.01, 1, 1, "2:5 3:10 4:5"));
        }
        return rows;
    }

    @Test
    void methodComparisonDrawsUniformLinesAndMixQuantPointsPerMethod() throws IOException {
        XYChart c = Charts.methodComparison("m", comparisonRows());
        assertEquals(List.of("asym uniform", "asym + MixQuant", "brecq uniform", "brecq + MixQuant", "FP32: 1.00 MB, 92.00"),
                new ArrayList<>(c.getSeriesMap().keySet()));
        assertEquals(XYSeries.XYSeriesRenderStyle.Line, c.getSeriesMap().get("brecq uniform").getXYSeriesRenderStyle());
        assertEquals(XYSeries.XYSeriesRenderStyle.Scatter,
                c.getSeriesMap().get("brecq + MixQuant").getXYSeriesRenderStyle());
        assertEquals("top-1 accuracy (%)", c.getYAxisTitle());
        assertThrows(IllegalArgumentException.class, () -> Charts.methodComparison("m", comparisonRows().subList(0, 1)));
        Path f = tmp.resolve("cmp.png");
        Charts.savePng(c, f);
        assertTrue(Files.size(f) > 5_000 && Files.size(f) < MAX_PNG_BYTES);
    }

    @Test
    void savePngRefusesAFolderAndNamesIt() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("a-folder.png"));
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        IOException e;
        System.setErr(new java.io.PrintStream(stderr, true));
        try {
            e = assertThrows(IOException.class, () -> Charts.savePng(Charts.ratioCurves(small()), folder));
        } finally {
            System.setErr(old);
        }
        assertTrue(e.getMessage().contains(folder.toString()), e.getMessage());
        assertTrue(Files.isDirectory(folder), "the folder is left alone");
        assertEquals("", stderr.toString(), "no stack trace printed");
    }

    @Test
    void chosenBitsDrawsOneBarSeriesPerPlan() throws IOException {
        ErrorTable t = miniLm();
        CategoryChart c = Charts.chosenBits(List.of(MixQuant.budget(t, 4), MixQuant.qem(t, 80),
                MixQuant.maxRelativeError(t, 1e-2)));
        assertEquals(3, c.getSeriesMap().size());
        png(c, "chosen-bits");
    }

    // --------------------------------------------------------------------------------------------- heat map

    @Test
    void errorHeatmapHasACellPerLayerAndBitWidthFirstLayerOnTop() throws IOException {
        ErrorTable t = miniLm();
        HeatMapChart c = Charts.errorHeatmap(t);
        HeatMapSeries s = c.getHeatMapSeries();
        assertEquals(Bits.COUNT, s.getXData().size());
        assertEquals(t.size(), s.getYData().size());
        assertEquals(t.size() * Bits.COUNT, s.getHeatData().size());
        // Row index n−1 is drawn on top and holds the first layer.
        assertEquals(Charts.shortLabels(t.layers()).get(0), s.getYData().get(t.size() - 1));
        Number[] firstCell = s.getHeatData().get(0);
        assertEquals(0, firstCell[0].intValue(), "bits 2 column");
        assertEquals(t.size() - 1, firstCell[1].intValue(), "first layer row");
        assertEquals(Math.log10(t.mse(0, 2)), firstCell[2].doubleValue(), 0.0);
        assertTrue(c.getStyler().isShowValue());
        png(c, "error-heatmap");
        png(Charts.errorHeatmap(small()), "error-heatmap-3-layers");
    }

    // ------------------------------------------------------------------------------------ evaluation charts

    @Test
    void qualityVsBitsDrawsOneLinePerRulePlusTheFp32Reference() throws IOException {
        List<Evaluation> rows = sweep(false);
        XYChart c = Charts.qualityVsBits(rows);
        List<String> names = new ArrayList<>(c.getSeriesMap().keySet());
        assertEquals(List.of("uniform", "qem", "avg-bits", "max-rel-error", "FP32 (1.000)"), names);
        XYSeries uniform = c.getSeriesMap().get("uniform");
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7, 8}, uniform.getXData(), 0.0);
        assertEquals(rows.get(1).meanCosine(), uniform.getYData()[0], 0.0);
        XYSeries qem = c.getSeriesMap().get("qem");
        double[] qx = qem.getXData();
        for (int i = 1; i < qx.length; i++) {
            assertTrue(qx[i - 1] <= qx[i], "points in order of average bits");
        }
        assertFalse(c.getStyler().isYAxisLogarithmic());
        png(c, "quality-vs-bits");

        XYChart log = Charts.qualityVsBits(rows, Charts.Quality.COSINE_DISTANCE);
        assertTrue(log.getStyler().isYAxisLogarithmic());
        assertEquals(4, log.getSeriesMap().size(), "FP32's distance 0 has no place on a log axis");
        png(log, "quality-vs-bits-distance");
    }

    @Test
    void accuracyVsBitsPlotsTop1PercentPerRule() throws IOException {
        List<org.mixquant.eval.AccuracyEvaluation> rows = List.of(
                new org.mixquant.eval.AccuracyEvaluation("fp32", "fp32", "none", 32, 1.0, 0.92, 0, 100, 0, 0, 1,
                        "fp32"),
                new org.mixquant.eval.AccuracyEvaluation("uniform-4", "uniform", "nearest", 4, 0.2, 0.91, 1, 100, 0,
                        0, 1, "4:3"),
                new org.mixquant.eval.AccuracyEvaluation("uniform-3", "uniform", "nearest", 3, 0.1, 0.88, 4, 100, 0,
                        0, 1, "3:3"),
                new org.mixquant.eval.AccuracyEvaluation("budget=3.5", "avg-bits", "nearest", 3.5, 0.15, 0.90, 2, 100,
                        0.1, 0, 1, "3:1 4:2"));
        XYChart c = Charts.accuracyVsBits("cnn", rows);
        assertEquals(List.of("uniform", "avg-bits", "FP32 (92.00)"), new ArrayList<>(c.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {3, 4}, c.getSeriesMap().get("uniform").getXData(), 0.0);
        assertArrayEquals(new double[] {88, 91}, c.getSeriesMap().get("uniform").getYData(), 1e-12);
        png(c, "accuracy-vs-bits");
        assertThrows(IllegalArgumentException.class, () -> Charts.accuracyVsBits("cnn", rows.subList(0, 1)));
    }

    @Test
    void qualityVsBitsSplitsRulesByMethodWhenThereAreSeveral() throws IOException {
        XYChart c = Charts.qualityVsBits(sweep(true), Charts.Quality.COSINE_DISTANCE);
        assertEquals(8, c.getSeriesMap().size());
        assertTrue(c.getSeriesMap().containsKey("uniform · adaround"));
        png(c, "quality-vs-bits-two-methods");
    }

    @Test
    void qualityChartsSkipNaNAndRejectRowsWithNothingToPlot() {
        Evaluation nan = new Evaluation("uniform-4", "uniform", "nearest", 4, 50, Double.NaN, Double.NaN, 0.9, 0, 1,
                1, "4:3");
        assertThrows(IllegalArgumentException.class, () -> Charts.qualityVsBits(List.of(nan)));
        XYChart overlap = Charts.qualityVsBits(List.of(nan), Charts.Quality.TOP10_OVERLAP);
        assertEquals(1, overlap.getSeriesMap().size());
        List<Evaluation> rows = new ArrayList<>(sweep(false));
        rows.add(nan);
        XYChart c = Charts.qualityVsBits(rows);
        assertEquals(7, c.getSeriesMap().get("uniform").getXData().length, "the NaN row is skipped");
    }

    @Test
    void sizeVsQualityScattersEachRuleAndMethodWithFp32() throws IOException {
        XYChart one = Charts.sizeVsQuality(sweep(false));
        List<String> names = new ArrayList<>(one.getSeriesMap().keySet());
        assertEquals(List.of("uniform", "qem", "avg-bits", "max-rel-error"), names.subList(0, 4));
        for (String n : names.subList(0, 4)) {
            assertEquals(XYSeries.XYSeriesRenderStyle.Scatter, one.getSeriesMap().get(n).getXYSeriesRenderStyle());
        }
        assertEquals("FP32: 90.9 MB, mean cosine 1.000", names.get(4), "FP32 is a reference line with its size");
        XYSeries uniform = one.getSeriesMap().get("uniform");
        assertEquals(sizeMB(2), uniform.getXData()[0], 0.0);
        assertEquals(sweep(false).get(1).meanCosine(), uniform.getYData()[0], 0.0);
        png(one, "size-vs-quality");

        XYChart two = Charts.sizeVsQuality(sweep(true), Charts.Quality.COSINE_DISTANCE);
        assertEquals(8, two.getSeriesMap().size(), "4 rules × 2 methods; no FP32 on a log axis");
        assertTrue(two.getStyler().isYAxisLogarithmic());
        png(two, "size-vs-quality-two-methods");
    }

    // ------------------------------------------------------------------------------------- weight histograms

    @Test
    void weightHistogramOverlaysEveryGridLevel() throws IOException {
        WeightTensor w = weights();
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            XYChart c = Charts.weightHistogram("query weights", w, b, Scheme.ASYMMETRIC);
            assertEquals(2, c.getSeriesMap().size(), "histogram + grid");
            XYSeries grid = null;
            XYSeries hist = null;
            for (XYSeries s : c.getSeriesMap().values()) {
                if (s.getName().startsWith("int")) {
                    grid = s;
                } else {
                    hist = s;
                }
            }
            int levels = 1 << b;
            assertEquals(3 * levels, grid.getXData().length, "two points and a gap per level");
            QParams p = QParams.choose(w, new QuantSpec(b, Scheme.ASYMMETRIC, Granularity.PER_TENSOR));
            for (int q = 0; q < levels; q++) {
                assertEquals((float) (q - p.zeroPoint(0)) * p.scale(0), grid.getXData()[3 * q], 0.0,
                        "level " + q + " is the dequantized value FakeQuant produces");
            }
            double total = 0;
            for (int i = 1; i < hist.getYData().length - 1; i += 2) {
                total += hist.getYData()[i];
            }
            assertEquals(w.size(), total, 0.0, "every weight is in one bin");
            if (b == 2 || b == 4 || b == 8) {
                png(c, "weight-histogram-int" + b);
            }
        }
    }

    @Test
    void weightHistogramOfOneChannelUsesThatChannelsGrid() throws IOException {
        WeightTensor w = weights();
        QuantSpec spec = new QuantSpec(3, Scheme.SYMMETRIC, Granularity.PER_CHANNEL);
        XYChart c = Charts.weightHistogram("query weights", w, spec, 5);
        QParams p = QParams.choose(w, spec);
        XYSeries grid = c.getSeriesMap().values().stream().filter(s -> s.getName().startsWith("int3")).findFirst()
                .orElseThrow();
        assertEquals(3 * 7, grid.getXData().length, "symmetric int3: 2^3 − 1 levels");
        assertEquals(-3 * p.scale(5), grid.getXData()[0], 0.0);
        assertTrue(c.getTitle().contains("channel 5"));
        png(c, "weight-histogram-channel");

        assertThrows(IllegalArgumentException.class, () -> Charts.weightHistogram("w", w, spec, 384));
        assertThrows(IllegalArgumentException.class, () -> Charts.weightHistogram("w", w,
                new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.PER_TENSOR), 0));
        XYChart loose = Charts.weightHistogram("values", new float[] {-1f, -0.25f, 0f, 0.5f, 2f}, 2,
                Scheme.ASYMMETRIC);
        assertEquals(2, loose.getSeriesMap().size());
    }

    @Test
    void weightsAreNotModified() {
        WeightTensor w = weights();
        float[] before = w.toArray();
        Charts.weightHistogram("w", w, 4, Scheme.ASYMMETRIC);
        Charts.weightHistogram("w", w, new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL), 0);
        assertArrayEquals(before, w.toArray(), 0f);
    }
}
