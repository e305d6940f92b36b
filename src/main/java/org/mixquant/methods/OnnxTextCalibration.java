package org.mixquant.methods;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.model.LayerSite;
import org.mixquant.model.onnx.OnnxCapture;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.methods.rounding.ReconstructionOptions;

/**
 * Calibration capture for a BERT-style ONNX encoder (such as MiniLM) on calibration sentences: each MatMul layer's
 * input is captured with ONNX Runtime ({@link OnnxCapture}), the tokens of all sentences flattened into rows
 * {@code [tokens, width]} (padding dropped), and a fixed random subset of at most
 * {@link ReconstructionOptions#maxRows()} rows kept (drawn once from the options' seed, sorted), the same rows for
 * every version of the model.
 *
 * <p>Calibration sentences for MiniLM come from {@link #fortuneTexts}: fortune-corpus entries
 * {@value #FORTUNE_OFFSET}.. , which do not overlap the evaluation corpus of the command line and notebooks (the first
 * 512 entries, {@code --corpus-size} 512).
 */
public final class OnnxTextCalibration implements CalibrationCapture {
    /** First fortune-corpus entry used for calibration; entries before it are the evaluation corpus. */
    public static final int FORTUNE_OFFSET = 512;
    /** Texts per ONNX Runtime call during capture. */
    static final int BATCH = 32;

    private final OnnxModel fp32;
    private final OnnxCapture capture;
    private final long[][] ids;
    private final int[] keep;
    private final int threads;

    private OnnxTextCalibration(OnnxModel fp32, OnnxCapture capture, long[][] ids, int[] keep, int threads) {
        this.fp32 = fp32;
        this.capture = capture;
        this.ids = ids;
        this.keep = keep;
        this.threads = threads;
    }

    /**
     * A capture of every layer of {@code fp32} on the first {@code options.calibrationSamples()} token sequences.
     *
     * @param tokenIds token ids per calibration text (see {@link TokenIds}); not modified
     * @throws IllegalArgumentException if there are no texts, fewer than the options ask for, an empty one, or a layer
     *                                  that cannot be captured
     */
    public static OnnxTextCalibration create(OnnxModel fp32, long[][] tokenIds, ReconstructionOptions options) {
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("no calibration texts");
        }
        int n = options.calibrationSamples();
        if (tokenIds.length < n) {
            throw new IllegalArgumentException("the options ask for " + n + " calibration samples but only "
                    + tokenIds.length + " texts were given (set optCalibrationSamples)");
        }
        long[][] ids = Arrays.copyOf(tokenIds, n);
        for (int i = 0; i < n; i++) {
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("calibration text " + i + " has no tokens");
            }
            ids[i] = ids[i].clone();
        }
        int total = TokenIds.totalTokens(ids);
        int[] keep = chooseRows(total, options.maxRows(), options.seed());
        return new OnnxTextCalibration(fp32, OnnxCapture.of(fp32), ids, keep, options.threads());
    }

    /**
     * {@code n} calibration texts for MiniLM: fortune-corpus entries {@value #FORTUNE_OFFSET} to
     * {@code FORTUNE_OFFSET + n - 1}.
     */
    public static List<String> fortuneTexts(int n) throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one calibration text, got " + n);
        }
        return List.copyOf(FortuneCorpus.load(FORTUNE_OFFSET + n).subList(FORTUNE_OFFSET, FORTUNE_OFFSET + n));
    }

    /**
     * Checks that an evaluation corpus of the first {@code evaluationTexts} fortunes stays disjoint from the
     * calibration texts of {@link #fortuneTexts}, which start at entry {@value #FORTUNE_OFFSET}.
     *
     * @throws IllegalArgumentException naming the limit when the two would overlap
     */
    public static void requireDisjoint(int evaluationTexts) {
        if (evaluationTexts > FORTUNE_OFFSET) {
            throw new IllegalArgumentException("an evaluation corpus of " + evaluationTexts + " fortunes would overlap"
                    + " the learned-rounding calibration texts (fortunes " + FORTUNE_OFFSET + " onwards): use at most "
                    + FORTUNE_OFFSET + " with adaround on a text model");
        }
    }

    /** {@code min(total, max)} distinct rows of {@code 0..total-1}, drawn from {@code Random(seed)}, sorted. */
    static int[] chooseRows(int total, int max, long seed) {
        int[] all = new int[total];
        for (int i = 0; i < total; i++) {
            all[i] = i;
        }
        if (total <= max) {
            return all;
        }
        Random rnd = new Random(seed);
        for (int i = 0; i < max; i++) {
            int j = i + rnd.nextInt(total - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] keep = Arrays.copyOf(all, max);
        Arrays.sort(keep);
        return keep;
    }

    @Override
    public int samples() {
        return ids.length;
    }

    @Override
    public int rows() {
        return keep.length;
    }

    /** Token rows the calibration texts give before subsampling. */
    public int tokens() {
        return TokenIds.totalTokens(ids);
    }

    @Override
    public LayerSite site(String layer) {
        return capture.site(layer);
    }

    @Override
    public Map<String, float[]> inputs(QuantizableModel state, Collection<String> inputs) throws Exception {
        return capture.captureTokens(onnx(state), ids, keep, inputs, threads, BATCH);
    }

    /** {@code state} as an ONNX model, or a one-line error naming it. */
    private OnnxModel onnx(QuantizableModel state) {
        if (!(state instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("model '" + state.source() + "' is not an ONNX model; this"
                    + " calibration captures " + fp32.source());
        }
        return onnx;
    }

    /**
     * The same capture for one forward pass ({@link OnnxCapture.Staged}): each call runs only the part of the model
     * from the tensors the previous call captured that no weight replaced since then reaches, e.g. blocks k − 1 and k
     * for block k of a transformer quantized block by block, instead of the whole model. Same rows, same values.
     */
    @Override
    public CalibrationCapture forwardOrder() {
        OnnxCapture.Staged staged = capture.staged(ids, keep, threads, BATCH);
        OnnxTextCalibration outer = this;
        return new CalibrationCapture() {
            @Override
            public int samples() {
                return outer.samples();
            }

            @Override
            public int rows() {
                return outer.rows();
            }

            @Override
            public LayerSite site(String layer) {
                return outer.site(layer);
            }

            @Override
            public Map<String, float[]> inputs(QuantizableModel state, Collection<String> inputs) throws Exception {
                return staged.capture(outer.onnx(state), inputs);
            }

            @Override
            public String toString() {
                return outer.toString();
            }
        };
    }

    @Override
    public String toString() {
        return "OnnxTextCalibration[" + fp32.source() + ", " + ids.length + " texts, " + keep.length + " of "
                + tokens() + " token rows]";
    }
}
