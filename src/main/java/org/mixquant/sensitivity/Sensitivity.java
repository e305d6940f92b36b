package org.mixquant.sensitivity;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.data.LabelledImages;
import org.mixquant.data.NamedArrays;
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
 * evaluation corpus (the first 512 fortunes). ONNX image classifiers ({@link #imageClassifier}, images from
 * {@link #calibrationImages}) and any ONNX model on input arrays ({@link #outputs}) take calibration data the caller
 * names.
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
                + " an .onnx file with tokenizer.json beside it) by default; ONNX image classifiers and models"
                + " scored on input arrays take theirs from imageClassifier/outputs, not " + fp32.source());
    }

    /**
     * The distortion of an ONNX image classifier: mean KL of softmax ({@link OnnxClassifierKl}) on {@code images}.
     * For calibration data held out from the evaluation data, see {@link #calibrationImages}.
     */
    public static Distortion imageClassifier(OnnxModel fp32, LabelledImages images, int threads)
            throws OrtException {
        return OnnxClassifierKl.create(fp32, images, threads);
    }

    /**
     * Calibration images for an ONNX image classifier: {@code samples} images (0: {@value ClassifierKl#DEFAULT_IMAGES})
     * drawn with seed {@value #SEED} from the Fashion-MNIST training split under {@code fashionMnist}'s preprocessing
     * when {@code userImages} is null (the toolkit's default data: evaluation uses the test split, so they are
     * disjoint), else from {@code userImages} (all of them when they are fewer; disjointness from the evaluation
     * images is then the user's to ensure).
     *
     * @throws IOException if the Fashion-MNIST training split is not installed
     */
    public static LabelledImages calibrationImages(LabelledImages userImages,
            org.mixquant.data.ImagePreprocessing fashionMnist, int samples) throws IOException {
        if (samples < 0) {
            throw new IllegalArgumentException("calibration samples must be ≥ 0 (0: default), got " + samples);
        }
        int n = samples == 0 ? ClassifierKl.DEFAULT_IMAGES : samples;
        return LabelledImages.calibration(userImages, fashionMnist, n, SEED);
    }

    /**
     * The distortion of any ONNX model on input arrays: the normalised output error ({@link OutputError}) on the
     * first {@code samples} samples of {@code inputs} (0 or more than they hold: all).
     */
    public static Distortion outputs(OnnxModel fp32, NamedArrays inputs, int threads, int samples)
            throws OrtException {
        NamedArrays in = samples > 0 && samples < samplesOf(inputs) ? inputs.slice(0, samples) : inputs;
        return OutputError.create(fp32, in, threads);
    }

    private static long samplesOf(NamedArrays a) {
        try {
            return a.samples();
        } catch (IllegalArgumentException e) {
            return Long.MAX_VALUE; // no common first axis: not sliced
        }
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
                    throw new IllegalArgumentException(fisherOnlyOnCnns(fp32.source()));
                }
                yield FisherCost.table(cnn, kl.images(), scheme, granularity, threads, progress);
            }
        };
    }

    /**
     * Why {@code fisher} does not run on {@code model}: the empirical Fisher needs per-image gradients through the
     * network, which the toolkit takes with DJL autograd on its own CNNs; ONNX Runtime has no backward pass.
     */
    public static String fisherOnlyOnCnns(String model) {
        return "the fisher cost needs gradients through the model (DJL autograd), so it runs on the Fashion-MNIST CNNs"
                + " (resnet20-fashion, mobilenetv2-fashion) only, not " + model + "; use --cost qe or measured";
    }
}
