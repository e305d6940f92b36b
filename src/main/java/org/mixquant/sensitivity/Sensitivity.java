package org.mixquant.sensitivity;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.function.Consumer;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.ErrorTable;
import org.mixquant.progress.Progress;

/**
 * The toolkit's default calibration data for data-aware costs, one call per model kind: Fashion-MNIST CNNs use
 * {@value ClassifierKl#DEFAULT_IMAGES} training images drawn with seed {@value #SEED} (the accuracy is measured on the
 * test split); MiniLM uses {@value EmbeddingCosine#DEFAULT_TEXTS} fortunes from entry
 * {@value OnnxTextCalibration#FORTUNE_OFFSET} on ({@link OnnxTextCalibration#fortuneTexts}), disjoint from the
 * evaluation corpus (the first 512 fortunes).
 */
public final class Sensitivity {
    /** Seed of the calibration image sample. */
    public static final long SEED = 0;

    private Sensitivity() {
    }

    /**
     * The default distortion of {@code fp32}: KL for a Fashion-MNIST CNN, 1 − cos for MiniLM.
     *
     * @throws IllegalArgumentException for other models (no calibration data is known for them)
     * @throws IOException              if the calibration data is not installed
     */
    public static Distortion distortion(QuantizableModel fp32, int threads) throws IOException, OrtException {
        return distortion(fp32, threads, 0);
    }

    /**
     * {@link #distortion(QuantizableModel, int)} on {@code samples} calibration images or texts (0: the default,
     * {@value ClassifierKl#DEFAULT_IMAGES} images or {@value EmbeddingCosine#DEFAULT_TEXTS} texts).
     */
    public static Distortion distortion(QuantizableModel fp32, int threads, int samples) throws IOException,
            OrtException {
        if (samples < 0) {
            throw new IllegalArgumentException("calibration samples must be ≥ 0 (0: default), got " + samples);
        }
        if (fp32 instanceof CnnModel cnn) {
            return ClassifierKl.fashionMnist(cnn, samples == 0 ? ClassifierKl.DEFAULT_IMAGES : samples, SEED,
                    threads);
        }
        if (fp32 instanceof OnnxModel onnx && onnx.textEncoder().isPresent()) {
            int n = samples == 0 ? EmbeddingCosine.DEFAULT_TEXTS : samples;
            int from = OnnxTextCalibration.FORTUNE_OFFSET;
            return EmbeddingCosine.create(onnx, TextEmbedder.forModel(onnx, TextEmbedder.DEFAULT_MAX_TOKENS),
                    OnnxTextCalibration.fortuneTexts(n), "fortunes[" + from + ":" + (from + n) + "]", threads);
        }
        throw new IllegalArgumentException("data-aware costs need calibration data: they are available for"
                + " resnet20-fashion, mobilenetv2-fashion and the text encoders with a tokenizer (minilm, e5-small-v2,"
                + " an .onnx file with tokenizer.json beside it), not " + fp32.source());
    }

    /** The measured cost table of {@code fp32} with its default distortion, cached ({@link MeasuredCost}). */
    public static CostTable measured(QuantizableModel fp32, Distortion d, Scheme scheme, Granularity granularity,
            Progress progress, Consumer<String> warn) {
        return MeasuredCost.table(fp32, d, scheme, granularity, progress, warn);
    }

    /**
     * The cost table of {@code kind} for {@code fp32}: {@code qe} from the weights alone (an {@link ErrorTable}
     * sweep), {@code measured} with {@code distortion} (cached, {@link MeasuredCost}).
     *
     * @param distortion needed for {@code measured}, ignored for {@code qe}
     * {@code fisher} (CNNs) on the same calibration images as {@code distortion}.
     *
     * @throws IllegalArgumentException for {@code fisher} on a non-CNN, or a missing distortion
     */
    public static CostTable costTable(QuantizableModel fp32, CostKind kind, Distortion distortion, Scheme scheme,
            Granularity granularity, int threads, Progress progress, Consumer<String> warn) {
        return switch (kind) {
            case QE -> CostTable.qe(ErrorTable.compute(fp32, scheme, granularity, threads, progress));
            case MEASURED -> {
                if (distortion == null) {
                    throw new IllegalArgumentException("the measured cost needs a distortion on calibration data");
                }
                yield MeasuredCost.table(fp32, distortion, scheme, granularity, progress, warn);
            }
            case FISHER -> {
                if (!(fp32 instanceof CnnModel cnn) || !(distortion instanceof ClassifierKl kl)) {
                    throw new IllegalArgumentException("the fisher cost is implemented for the Fashion-MNIST CNNs"
                            + " only, not " + fp32.source());
                }
                yield FisherCost.table(cnn, kl.images(), scheme, granularity, threads, progress);
            }
        };
    }
}
