package org.mixquant.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.tensor.WeightTensor;

/**
 * One entry point for every XChart chart of MixQuant results, as notebooks and the CLI call them. Each method hands
 * over to the class of its topic — {@link ErrorCharts} (error table), {@link BitPlanCharts} (bits per layer),
 * {@link EvaluationCharts} (quality and size of evaluated plans), {@link MethodCharts} (method comparison),
 * {@link WeightHistograms}, {@link FrontierCharts} — and returns a chart that a notebook shows with
 * {@link #toImage} and that {@link #savePng} writes to a file.
 */
public final class Charts {
    private Charts() {
    }

    /**
     * A fidelity measure of an {@link EvalRow}, picked by {@link MetricId}, as plotted by {@link #qualityVsBits} and
     * {@link #sizeVsQuality}.
     */
    public enum Quality {
        /** {@link MetricId#MEAN_COSINE}: mean cosine similarity of the embeddings to FP32's. */
        MEAN_COSINE(MetricId.MEAN_COSINE, "mean cosine", "mean cosine similarity to FP32 (1 = identical)", false),
        /** {@link MetricId#MIN_COSINE}: worst text's cosine similarity to FP32. */
        MIN_COSINE(MetricId.MIN_COSINE, "min cosine", "minimum cosine similarity to FP32 (1 = identical)", false),
        /** {@link MetricId#TOP10_OVERLAP}: fraction of the 10 nearest neighbours FP32 also finds. */
        TOP10_OVERLAP(MetricId.TOP10_OVERLAP, "top-10 overlap",
                "top-10 neighbour overlap with FP32 (fraction, 1 = same)", false),
        /**
         * 1 − {@link MetricId#MEAN_COSINE} on a log axis: spreads out the differences near cosine 1 that a linear
         * axis squeezes together. FP32 (distance 0) has no place on it and is left out.
         */
        COSINE_DISTANCE(MetricId.MEAN_COSINE, "1 − mean cosine",
                "1 − mean cosine to FP32 (log scale, lower is better)", true);

        private final MetricId metric;
        private final String label;
        private final String axisTitle;
        private final boolean logarithmic;

        Quality(MetricId metric, String label, String axisTitle, boolean logarithmic) {
            this.metric = metric;
            this.label = label;
            this.axisTitle = axisTitle;
            this.logarithmic = logarithmic;
        }

        /** Short name for titles ({@code mean cosine}). */
        public String label() {
            return label;
        }

        /** Axis title with units. */
        public String axisTitle() {
            return axisTitle;
        }

        /** Whether the axis is logarithmic. */
        public boolean logarithmic() {
            return logarithmic;
        }

        /** The metric this measure is read from ({@link MetricId#MEAN_COSINE} for the cosine distance). */
        public MetricId metric() {
            return metric;
        }

        /** The measure of one row: its {@link #metric()}, or 1 minus it for the distance; NaN if not measured. */
        public double of(EvalRow row) {
            double v = row.metric(metric);
            return this == COSINE_DISTANCE ? 1 - v : v;
        }

        /** Whether {@code v} can be drawn: finite, and positive on a log axis. */
        boolean plottable(double v) {
            return Double.isFinite(v) && (!logarithmic || v > 0);
        }
    }

    // ------------------------------------------------------------------------------------------- error table

    /** {@link ErrorCharts#errorCurves}: QE per layer against bit-width, log scale. */
    public static XYChart errorCurves(ErrorTable table) {
        return ErrorCharts.errorCurves(table);
    }

    /** {@link ErrorCharts#ratioCurves}: QE(b)/QE(8) per layer with the step²/12 noise model. */
    public static XYChart ratioCurves(ErrorTable table) {
        return ErrorCharts.ratioCurves(table);
    }

    /** {@link ErrorCharts#errorHeatmap}: log10 QE per layer (row) and bit-width (column). */
    public static HeatMapChart errorHeatmap(ErrorTable table) {
        return ErrorCharts.errorHeatmap(table);
    }

    // -------------------------------------------------------------------------------------------- bit plans

    /** {@link BitPlanCharts#chosenBits}: bits per layer, one bar series per plan. */
    public static CategoryChart chosenBits(List<BitPlan> plans) {
        return BitPlanCharts.chosenBits(plans);
    }

    // ------------------------------------------------------------------------------------ evaluated plans

    /** {@link #qualityVsBits(List, Quality)} with {@link Quality#MEAN_COSINE}. */
    public static XYChart qualityVsBits(List<EvalRow> rows) {
        return qualityVsBits(rows, Quality.MEAN_COSINE);
    }

    /** {@link EvaluationCharts#qualityVsBits}: quality against average bits, one line per rule. */
    public static XYChart qualityVsBits(List<EvalRow> rows, Quality quality) {
        return EvaluationCharts.qualityVsBits(rows, quality);
    }

    /** {@link EvaluationCharts#accuracyVsBits}: top-1 accuracy (%) against average bits, one line per rule. */
    public static XYChart accuracyVsBits(String model, List<EvalRow> rows) {
        return EvaluationCharts.accuracyVsBits(model, rows);
    }

    /** {@link #sizeVsQuality(List, Quality)} with {@link Quality#MEAN_COSINE}. */
    public static XYChart sizeVsQuality(List<EvalRow> rows) {
        return sizeVsQuality(rows, Quality.MEAN_COSINE);
    }

    /** {@link EvaluationCharts#sizeVsQuality}: model size (MB) against quality, a scatter per rule. */
    public static XYChart sizeVsQuality(List<EvalRow> rows, Quality quality) {
        return EvaluationCharts.sizeVsQuality(rows, quality);
    }

    /** {@link MethodCharts#methodComparison}: size against quality per method, uniform lines and MixQuant points. */
    public static XYChart methodComparison(String model, List<EvalRow> rows) {
        return MethodCharts.methodComparison(model, rows);
    }

    // -------------------------------------------------------------------------------------------- weights

    /** {@link WeightHistograms#weightHistogram} of loose values with a per-tensor grid. */
    public static XYChart weightHistogram(String title, float[] values, int bits, Scheme scheme) {
        return weightHistogram(title, WeightTensor.vector(values), bits, scheme);
    }

    /** {@link WeightHistograms#weightHistogram} of a whole tensor with a per-tensor grid. */
    public static XYChart weightHistogram(String title, WeightTensor w, int bits, Scheme scheme) {
        return weightHistogram(title, w, new QuantSpec(bits, scheme, Granularity.PER_TENSOR), -1);
    }

    /**
     * {@link WeightHistograms#weightHistogram}: the weights of one channel ({@code channel} for a per-channel
     * {@code spec}) or of the whole tensor ({@code -1}, per-tensor) with the grid of {@code spec} over them.
     */
    public static XYChart weightHistogram(String title, WeightTensor w, QuantSpec spec, int channel) {
        return WeightHistograms.weightHistogram(title, w, spec, channel);
    }

    // ------------------------------------------------------------------------------------ labels and images

    /** {@link LayerLabels#groupOf}: the layer name with every number replaced by {@code #}. */
    public static String groupOf(String layer) {
        return LayerLabels.groupOf(layer);
    }

    /** {@link LayerLabels#shortLabels}: layer names without the prefix and suffix they all share. */
    public static List<String> shortLabels(List<String> layers) {
        return LayerLabels.shortLabels(layers);
    }

    /** {@link ChartImages#toImage}: renders a chart to an image (for notebook display). */
    public static BufferedImage toImage(Chart<?, ?> chart) {
        return ChartImages.toImage(chart);
    }

    /** {@link ChartImages#savePng}: writes a chart as PNG, atomically; a folder at {@code file} is refused. */
    public static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        ChartImages.savePng(chart, file);
    }
}
