package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.tensor.WeightTensor;

/**
 * The {@link Charts} facade that notebooks and commands call, and the synthetic inputs every chart test (and
 * {@code TablesTest}) shares: no model loading. The topic classes have their own tests ({@code ErrorChartsTest},
 * {@code EvaluationChartsTest}, ...). To look at the charts those tests save, run with
 * {@code -Dmixquant.charts.dir=/tmp/charts}: the PNGs are then kept there instead of in a temporary folder.
 */
class ChartsTest {
    /** A PNG of a 900×500 chart with axes, text and data is tens of kB; an empty frame compresses to a few kB. */
    static final long MIN_PNG_BYTES = 8_000;
    static final long MAX_PNG_BYTES = 3_000_000;

    static {
        // Before any chart test renders: every chart test class uses this class's helpers.
        System.setProperty("java.awt.headless", "true");
    }

    @BeforeAll
    static void headless() {
        assertTrue(GraphicsEnvironment.isHeadless(), "charts must render without a display");
    }

    /** {@code -Dmixquant.charts.dir} when set, else the calling test's temporary folder {@code tmp}. */
    static Path outDir(Path tmp) {
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

    /** Model name of the synthetic text rows: the name {@code Tables.evaluations} gives its table. */
    static final String TEXT_MODEL = "evaluations";

    /** What the quantizer {@code methodId} reports it did: {@code none} for FP32, else {@code <id>-asymmetric}. */
    static String methodText(String methodId) {
        return methodId.equals(EvalRow.FP32) ? "none" : methodId + "-asymmetric";
    }

    /**
     * A text-encoder row of {@link #TEXT_MODEL} with the fidelity metrics given (a NaN one is left out, as
     * {@code Tables.toEvaluations} reads a missing value); FP32 when {@code rule} is {@code fp32}.
     */
    static EvalRow textRow(String plan, String rule, String methodId, double bits, double sizeMB, double meanCos,
            double minCos, double overlap, EvalRow.Timings seconds, String hist) {
        Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
        double[] v = {meanCos, minCos, overlap};
        MetricId[] ids = {MetricId.MEAN_COSINE, MetricId.MIN_COSINE, MetricId.TOP10_OVERLAP};
        for (int k = 0; k < v.length; k++) {
            if (!Double.isNaN(v[k])) {
                m.put(ids[k], v[k]);
            }
        }
        String id = rule.equals(EvalRow.FP32) ? EvalRow.FP32 : methodId;
        return new EvalRow(TEXT_MODEL, id, methodText(id), plan, rule, bits, sizeMB, hist, m, 0, seconds);
    }

    /** 1 − cosine falls ~4× per extra bit; budgeted plans do better than uniform at the same average bits. */
    static EvalRow row(String plan, String rule, String methodId, double bits, double gain, double secs) {
        double dist = 0.5 * Math.pow(4, -(bits - 2)) * gain;
        String hist = rule.equals("uniform") ? (int) bits + ":36" : "mixed";
        return textRow(plan, rule, methodId, bits, sizeMB(bits), 1 - dist, 1 - 3 * dist, 1 - 2 * Math.sqrt(dist),
                new EvalRow.Timings(secs, 0.8, 2.1), hist);
    }

    /** A full comparison: FP32, uniform 2..8, a qem sweep, budgets, relative-error thresholds; two methods. */
    static List<EvalRow> sweep(boolean twoMethods) {
        List<EvalRow> rows = new ArrayList<>();
        rows.add(textRow("fp32", "fp32", EvalRow.FP32, 32, 90.9, 1, 1, 1, new EvalRow.Timings(0, 0, 3.2), "fp32"));
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

    /**
     * Saves the chart, reads the PNG back and checks it: the chart's pixel size, a plausible file size, and ink — at
     * least {@link #MIN_INK} of the pixels are not white (axes, text and data; an empty white frame has none).
     */
    static BufferedImage png(Chart<?, ?> chart, Path tmp, String name) throws IOException {
        Path file = outDir(tmp).resolve(name + ".png");
        Charts.savePng(chart, file);
        long bytes = Files.size(file);
        assertTrue(bytes > MIN_PNG_BYTES && bytes < MAX_PNG_BYTES, name + ": implausible PNG size " + bytes);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(chart.getWidth(), img.getWidth(), name + " width");
        assertEquals(chart.getHeight(), img.getHeight(), name + " height");
        assertTrue(img.getWidth() >= 600 && img.getHeight() >= 300, name + ": too small to read");
        long notWhite = countPixels(img, rgb -> (rgb & 0xFFFFFF) != 0xFFFFFF);
        double ink = (double) notWhite / (img.getWidth() * img.getHeight());
        assertTrue(ink > MIN_INK, name + ": only " + ink + " of the pixels are not white");
        return img;
    }

    /**
     * Share of non-white pixels a chart with axes, labels and data has at least: axis text and a legend alone cover
     * ~1 %; the smallest chart here (two series) is above 3 %.
     */
    static final double MIN_INK = 0.01;

    /** Pixels whose RGB matches. */
    static long countPixels(BufferedImage img, java.util.function.IntPredicate rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (rgb.test(img.getRGB(x, y))) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Pixels within {@link #COLOUR_TOL} of {@code c} in each of red, green and blue: the cores of antialiased lines and
     * filled markers and bars, while the palette colours stay more than that apart from each other and from grey.
     */
    static long pixelsOf(BufferedImage img, java.awt.Color c) {
        return countPixels(img, rgb -> Math.abs(((rgb >> 16) & 0xFF) - c.getRed()) <= COLOUR_TOL
                && Math.abs(((rgb >> 8) & 0xFF) - c.getGreen()) <= COLOUR_TOL
                && Math.abs((rgb & 0xFF) - c.getBlue()) <= COLOUR_TOL);
    }

    /** Per-channel tolerance of {@link #pixelsOf}, out of 255. */
    static final int COLOUR_TOL = 24;

    /** The series of an XY chart by name, failing with the names it has. */
    static XYSeries series(XYChart chart, String name) {
        XYSeries s = chart.getSeriesMap().get(name);
        assertTrue(s != null, "no series '" + name + "' among " + chart.getSeriesMap().keySet());
        return s;
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

    /**
     * A classifier row of model {@code model} whose FP32 top-1 is {@code fp32Percent}: top-1 {@code top1Percent} %
     * (stored as a fraction, as {@link MetricId#TOP1} says), drop in points; FP32 when {@code rule} is {@code fp32}.
     */
    static EvalRow top1Row(String model, String methodId, String plan, String rule, double bits, double sizeMB,
            double top1Percent, double fp32Percent, EvalRow.Timings seconds, String hist) {
        String id = rule.equals(EvalRow.FP32) ? EvalRow.FP32 : methodId;
        return new EvalRow(model, id, methodText(id), plan, rule, bits, sizeMB, hist, Map.of(MetricId.TOP1,
                top1Percent / 100, MetricId.TOP1_DROP, fp32Percent - top1Percent), 100, seconds);
    }

    /**
     * FP32 at 92 %, then nearest rounding and BRECQ each at uniform 2..4 bits (80 + b %) and a 3-bit budget (84 %).
     * Every top-1 here is exact after the round trip percent → fraction → percent.
     */
    static List<EvalRow> comparisonRows() {
        return comparisonRows(0);
    }

    /** {@link #comparisonRows()} with BRECQ's top-1 raised by {@code brecqGain} points. */
    static List<EvalRow> comparisonRows(double brecqGain) {
        List<EvalRow> rows = new ArrayList<>();
        rows.add(top1Row("m", EvalRow.FP32, "fp32", "fp32", 32, 1.0, 92, 92, new EvalRow.Timings(0, 0, 1), "fp32"));
        for (String method : List.of("nearest", "brecq")) {
            double gain = method.equals("brecq") ? brecqGain : 0;
            for (int b = 2; b <= 4; b++) {
                rows.add(top1Row("m", method, "uniform-" + b, "uniform", b, b / 32.0, 80 + b + gain, 92,
                        new EvalRow.Timings(0, 1, 1), b + ":20"));
            }
            rows.add(top1Row("m", method, "budget=3", "avg-bits", 3, 3 / 32.0, 84 + gain, 92,
                    new EvalRow.Timings(0.01, 1, 1), "2:5 3:10 4:5"));
        }
        return rows;
    }

    // ---------------------------------------------------------------------------------------------- facade

    @Test
    void qualityMeasuresReadTheirRowAndCosineDistanceIsOneMinusTheMeanCosine() {
        EvalRow e = textRow("uniform-4", "uniform", "nearest", 4, 50, 0.96875, 0.875, 0.7, new EvalRow.Timings(0, 1, 1),
                "4:3");
        assertEquals(0.96875, Charts.Quality.MEAN_COSINE.of(e), 0.0);
        assertEquals(0.875, Charts.Quality.MIN_COSINE.of(e), 0.0);
        assertEquals(0.7, Charts.Quality.TOP10_OVERLAP.of(e), 0.0);
        // 1 − 0.96875 is exact in binary.
        assertEquals(0.03125, Charts.Quality.COSINE_DISTANCE.of(e), 0.0);
        assertEquals(MetricId.MEAN_COSINE, Charts.Quality.COSINE_DISTANCE.metric(), "the distance is read by id");
        EvalRow classifier = top1Row("m", "nearest", "uniform-4", "uniform", 4, 1, 90, 92, e.seconds(), "4:3");
        assertTrue(Double.isNaN(Charts.Quality.MEAN_COSINE.of(classifier)), "a metric the row lacks is NaN");
        assertTrue(Charts.Quality.COSINE_DISTANCE.logarithmic());
        assertFalse(Charts.Quality.COSINE_DISTANCE.plottable(0), "distance 0 (FP32) has no place on a log axis");
        assertTrue(Charts.Quality.MEAN_COSINE.plottable(0));
        assertFalse(Charts.Quality.MEAN_COSINE.plottable(Double.NaN));
    }

    /** The one-argument overloads notebooks call plot the mean cosine on a linear axis. */
    @Test
    void overloadsWithoutAQualityPlotTheMeanCosine() {
        List<EvalRow> rows = sweep(false);
        for (XYChart c : List.of(Charts.qualityVsBits(rows), Charts.sizeVsQuality(rows))) {
            assertEquals(Charts.Quality.MEAN_COSINE.axisTitle(), c.getYAxisTitle());
            assertFalse(c.getStyler().isYAxisLogarithmic());
        }
        XYChart log = Charts.sizeVsQuality(rows, Charts.Quality.COSINE_DISTANCE);
        assertEquals(Charts.Quality.COSINE_DISTANCE.axisTitle(), log.getYAxisTitle());
    }

    /** A per-tensor histogram of loose values is the histogram of the same values as a vector. */
    @Test
    void weightHistogramOfLooseValuesUsesOnePerTensorGrid() {
        float[] v = {-1f, -0.25f, 0f, 0.5f, 2f};
        XYChart loose = Charts.weightHistogram("values", v, 2, Scheme.ASYMMETRIC);
        XYChart tensor = Charts.weightHistogram("values", WeightTensor.vector(v), new QuantSpec(2, Scheme.ASYMMETRIC,
                Granularity.PER_TENSOR), -1);
        assertEquals(tensor.getTitle(), loose.getTitle());
        for (String name : tensor.getSeriesMap().keySet()) {
            assertArrayEquals(series(tensor, name).getXData(), series(loose, name).getXData(), 0.0, name);
            assertArrayEquals(series(tensor, name).getYData(), series(loose, name).getYData(), 0.0, name);
        }
    }
}
