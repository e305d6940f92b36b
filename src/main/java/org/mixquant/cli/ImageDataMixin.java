package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.data.FashionMnist;
import org.mixquant.data.ImagePreprocessing;
import org.mixquant.data.LabelledImages;
import org.mixquant.data.NamedArrays;
import org.mixquant.eval.OnnxClassifierEvaluator;
import org.mixquant.model.onnx.ImageClassifier;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The labelled images and preprocessing an ONNX image classifier ({@link ImageClassifier}) is scored on: an image
 * folder ({@code --image-dir}), IDX files ({@code --idx-images}, {@code --idx-labels}) or, by default, the
 * Fashion-MNIST test split; {@code --images N} (of {@link ImagesMixin}) keeps the first N.
 */
public final class ImageDataMixin {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--image-dir", paramLabel = "DIR", description = "ONNX image classifiers: a folder with one"
            + " sub-folder of PNG/JPEG images per class; class index = sorted sub-folder order, or --labels."
            + " Default: the Fashion-MNIST test images.")
    Path imageDir;

    @Option(names = "--labels", paramLabel = "FILE", description = "ONNX image classifiers: class names, one a line"
            + " in the model's output order (the --image-dir sub-folders are named after them).")
    Path labels;

    @Option(names = "--idx-images", paramLabel = "FILE", description = "ONNX image classifiers: gzip IDX images"
            + " (28x28 ubyte, Fashion-MNIST/MNIST format), with --idx-labels.")
    Path idxImages;

    @Option(names = "--idx-labels", paramLabel = "FILE", description = "ONNX image classifiers: gzip IDX labels"
            + " (0..9) of --idx-images.")
    Path idxLabels;

    @Option(names = "--resize", paramLabel = "PX", defaultValue = "0", converter = OptionValues.NonNegative.class,
            description = "ONNX image classifiers: resize the shorter side to PX pixels (bilinear; 0 = no resize,"
                    + " default).")
    int resize;

    @Option(names = "--crop", paramLabel = "PX", defaultValue = "0", converter = OptionValues.NonNegative.class,
            description = "ONNX image classifiers: centre crop PX x PX after resizing (0 = none, default).")
    int crop;

    /** Colour modes of {@code --color}. */
    enum Color {
        gray, rgb
    }

    @Option(names = "--color", paramLabel = "MODE", description = "ONNX image classifiers: gray or rgb (default:"
            + " what the model's input takes, gray when it takes any).")
    Color color;

    @Option(names = "--mean", split = ",", paramLabel = "M", description = "ONNX image classifiers: mean of"
            + " pixel/255, one value or one per channel (default: Fashion-MNIST's 0.2860 for gray; 0.485,0.456,0.406"
            + " for rgb).")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "S", description = "ONNX image classifiers: std of"
            + " pixel/255, one value or one per channel (default: Fashion-MNIST's 0.3530 for gray; 0.229,0.224,0.225"
            + " for rgb).")
    float[] std;

    private static final List<String> OPTIONS = List.of("--image-dir", "--labels", "--idx-images", "--idx-labels",
            "--resize", "--crop", "--color", "--mean", "--std");

    /** True when one of these options was given. */
    boolean given() {
        return OPTIONS.stream().anyMatch(o -> mixee.commandLine().getParseResult().hasMatchedOption(o));
    }

    /**
     * Whether {@code model} is scored as an image classifier: not when the user gave arrays ({@code --inputs} wins,
     * an NCHW model is then scored on them), else when an option of this mixin was given or the model's one input is
     * a 4-D float tensor.
     */
    boolean appliesTo(OnnxModel model, ArrayInputsMixin arrays) throws ai.onnxruntime.OrtException {
        return !arrays.given() && appliesTo(model);
    }

    /** Whether {@code model} is an image classifier for a command without {@code --inputs}: see above. */
    boolean appliesTo(OnnxModel model) throws ai.onnxruntime.OrtException {
        return given() || ImageClassifier.looksLikeOne(model);
    }

    /**
     * The evaluator over the images these options name, checked against {@code model}'s input and output first.
     *
     * @param first {@code --images} (0 = all)
     */
    OnnxClassifierEvaluator evaluator(BaseCommand cmd, OnnxModel model, int first) throws Exception {
        ImageClassifier.Signature sig = ImageClassifier.signature(model);
        LabelledImages data = images(sig);
        if (first > 0) {
            data = data.head(first);
        }
        sig.requireFits(data);
        return OnnxClassifierEvaluator.create(data, OnnxClassifierEvaluator.DEFAULT_BATCH, cmd.threads(),
                cmd.progress());
    }

    /**
     * Calibration images for the measured cost of {@code model} ({@link Sensitivity#calibrationImages}): a seeded
     * sample of {@code samples} (0: the default) from the Fashion-MNIST training split when no image option names the
     * data (evaluation then uses the test split), else from the images these options name.
     */
    LabelledImages calibrationImages(OnnxModel model, int samples) throws Exception {
        ImageClassifier.Signature sig = ImageClassifier.signature(model);
        boolean fashionMnist = imageDir == null && idxImages == null;
        return Sensitivity.calibrationImages(fashionMnist ? null : images(sig), preprocessing(sig), samples);
    }

    private ImagePreprocessing preprocessing(ImageClassifier.Signature sig) {
        int channels = color != null ? (color == Color.rgb ? 3 : 1) : sig.channels() == 3 ? 3 : 1;
        float[] m = mean != null ? mean : channels == 1 ? new float[] {FashionMnist.MEAN}
                : new float[] {0.485f, 0.456f, 0.406f};
        float[] s = std != null ? std : channels == 1 ? new float[] {FashionMnist.STD}
                : new float[] {0.229f, 0.224f, 0.225f};
        return new ImagePreprocessing(resize, crop, channels, m, s);
    }

    private LabelledImages images(ImageClassifier.Signature sig) throws IOException {
        if (imageDir != null && (idxImages != null || idxLabels != null)) {
            throw new IllegalArgumentException("give --image-dir or --idx-images/--idx-labels, not both");
        }
        if ((idxImages == null) != (idxLabels == null)) {
            throw new IllegalArgumentException("--idx-images and --idx-labels go together");
        }
        ImagePreprocessing p = preprocessing(sig);
        if (imageDir != null) {
            List<String> names = null;
            if (labels != null) {
                names = Files.readAllLines(labels).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
                if (names.isEmpty()) {
                    throw new IllegalArgumentException("labels file " + labels + " names no class");
                }
            }
            return LabelledImages.fromFolder(imageDir, p, names);
        }
        if (labels != null) {
            throw new IllegalArgumentException("--labels names the classes of --image-dir sub-folders; give"
                    + " --image-dir too");
        }
        FashionMnist data = idxImages != null
                ? FashionMnist.of(idxImages.toString(), FashionMnist.readImages(idxImages),
                        FashionMnist.readLabels(idxLabels))
                : FashionMnist.load(FashionMnist.Split.TEST);
        return LabelledImages.fromFashionMnist(data, p);
    }

    /**
     * Learned rounding's calibration images for {@code model}, as its input array: {@code n} Fashion-MNIST
     * <em>training</em> images drawn with {@code seed} (disjoint from the default test images it is scored on) unless
     * the user named images, then a seeded sample of those — which, when {@code scored} (the command also scores the
     * model on these options' images), overlap the evaluation, so {@code cmd} warns.
     */
    NamedArrays calibration(BaseCommand cmd, OnnxModel model, int n, long seed, boolean scored) throws Exception {
        ImageClassifier.Signature sig = ImageClassifier.signature(model);
        boolean fashionMnist = imageDir == null && idxImages == null;
        LabelledImages cal = LabelledImages.calibration(fashionMnist ? null : images(sig), preprocessing(sig), n, seed);
        if (scored && (imageDir != null || idxImages != null)) {
            cmd.warn("learned rounding calibrates on " + cal.size() + " of the images the model is scored on ("
                    + cal.name() + "): its scores are optimistic; score on held-out images to compare fairly");
        }
        sig.requireFits(cal);
        return cal.asArrays(sig.input());
    }

    /**
     * ONNX image classifiers are quantized by round-to-nearest or AdaRound (layer-wise, ONNX Conv/Gemm/MatMul);
     * BRECQ's blocks and GPTQ's Hessians are built for the DJL CNNs and text models.
     *
     * @param option the command's method option ({@code --methods} or {@code --method}), for the message
     * @throws ParameterException (a usage error, exit 2) naming the first other method
     */
    void requireSupported(String option, List<String> methodIds) {
        for (String id : methodIds) {
            if (!id.equals("nearest") && !id.equals("adaround")) {
                throw new ParameterException(mixee.commandLine(), option + " " + id + ": ONNX image classifiers"
                        + " support nearest and adaround (BRECQ and GPTQ run on the bundled DJL CNNs; GPTQ also on ONNX"
                        + " text models)");
            }
        }
    }

    /** Warns on {@code cmd}'s stderr when one of these options was given for {@code model}, which does not use them. */
    void warnIgnoredFor(BaseCommand cmd, String model) {
        for (String o : OPTIONS) {
            if (mixee.commandLine().getParseResult().hasMatchedOption(o)) {
                cmd.warn(o + " applies to ONNX image classifiers only; ignored for " + model);
            }
        }
    }
}
