package org.mixquant.eval;

/**
 * What an {@link EvalRow} measured. Values are stored in the unit each id states; {@link #column()} names the
 * column tables and CSV files use and {@link #toColumn(double)} converts to that column's unit; {@link #field()} names
 * the JSON field, which holds the stored value.
 */
public enum MetricId {
    /** Top-1 accuracy of a classifier, a fraction 0..1; column {@code top1_%} in percent. */
    TOP1("top1_%", "top1", 100),
    /** Top-5 accuracy of a classifier (true class among the 5 highest outputs), a fraction 0..1; column {@code top5_%}. */
    TOP5("top5_%", "top5", 100),
    /** FP32 top-1 minus this top-1, in percentage points (0 for FP32); column {@code drop_pts}. */
    TOP1_DROP("drop_pts", "dropPoints", 1),
    /** Mean cosine similarity of the embeddings to FP32's (1 for FP32); column {@code mean_cos}. */
    MEAN_COSINE("mean_cos", "meanCosine", 1),
    /** Worst text's cosine similarity to FP32; column {@code min_cos}. */
    MIN_COSINE("min_cos", "minCosine", 1),
    /** Mean fraction of each text's 10 nearest neighbours that FP32 also finds, 0..1; column {@code top10_overlap}. */
    TOP10_OVERLAP("top10_overlap", "top10Overlap", 1),
    /** Cosine of all graph outputs (flattened, concatenated) to FP32's, any ONNX model on given inputs (1 for FP32). */
    OUTPUT_COSINE("out_cos", "outputCosine", 1),
    /**
     * SQNR of all graph outputs against FP32's, dB (10·log10(Σx²/Σ(x−x̂)²)); absent for FP32 and for identical
     * outputs (infinite).
     */
    OUTPUT_SQNR("sqnr_db", "sqnrDb", 1);

    private final String column;
    private final String field;
    private final double columnScale;

    MetricId(String column, String field, double columnScale) {
        this.column = column;
        this.field = field;
        this.columnScale = columnScale;
    }

    /** Field name in JSON documents, in this id's own unit (e.g. {@code top1}, a fraction). */
    public String field() {
        return field;
    }

    /** Column name in tables and CSV files, e.g. {@code top1_%}. */
    public String column() {
        return column;
    }

    /** {@code value} (in this id's unit) in the unit of {@link #column()}: top-1 becomes percent. */
    public double toColumn(double value) {
        return value * columnScale;
    }

    /** The id whose {@link #column()} is {@code column}. */
    public static MetricId ofColumn(String column) {
        for (MetricId m : values()) {
            if (m.column.equals(column)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no metric has the column '" + column + "'");
    }
}
