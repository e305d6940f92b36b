package org.mixquant.model.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntConsumer;
import org.mixquant.data.LabelledImages;

/**
 * Any ONNX image classifier: one float input {@code [batch, channels, height, width]} (NCHW) and a first output of
 * logits (or probabilities) {@code [batch, classes]}. {@link #signature} reads and checks the graph's input and
 * output; {@link #logits} runs labelled images through ONNX Runtime in batches, with the model's replaced weights (a
 * quantized model) passed as initializer overrides.
 */
public final class ImageClassifier {
    private ImageClassifier() {
    }

    /**
     * What the classifier takes and gives; a dimension ONNX leaves symbolic is {@code -1}.
     *
     * @param model    the model's source, for messages
     * @param input    the input's name
     * @param channels C of the input (-1: any)
     * @param height   H of the input (-1: any)
     * @param width    W of the input (-1: any)
     * @param output   the first output's name
     * @param classes  the output's class dimension (-1: known only when run)
     */
    public record Signature(String model, String input, long channels, long height, long width, String output,
            long classes) {
        /**
         * Checks that {@code images} fit this classifier.
         *
         * @throws IllegalArgumentException naming the mismatch: channel count, image size, or a class index outside
         *                                  the model's output size
         */
        public void requireFits(LabelledImages images) {
            if (channels > 0 && channels != images.channels()) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "'%s' takes %d-channel"
                        + " images (input '%s' %s) but the images have %d channel%s (%s); use --color %s", model,
                        channels, input, shape(), images.channels(), images.channels() == 1 ? "" : "s",
                        images.channels() == 1 ? "grayscale" : "RGB", channels == 3 ? "rgb" : "gray"));
            }
            if ((height > 0 && height != images.height()) || (width > 0 && width != images.width())) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "'%s' takes %sx%s images"
                        + " (input '%s' %s) but the images are %dx%d; use --resize and --crop", model,
                        dim(width), dim(height), input, shape(), images.width(), images.height()));
            }
            if (classes > 0 && images.maxLabel() >= classes) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "'%s' outputs %d classes"
                        + " (output '%s') but the images have class index %d (of %d classes: %s); the labels do not"
                        + " fit the model", model, classes, output, images.maxLabel(), images.classes().size(),
                        abbreviate(images.classes())));
            }
        }

        /** The input's shape, e.g. {@code [batch, 3, 224, 224]}. */
        public String shape() {
            return "[batch, " + dim(channels) + ", " + dim(height) + ", " + dim(width) + "]";
        }

        private static String dim(long d) {
            return d > 0 ? Long.toString(d) : "?";
        }

        private static String abbreviate(java.util.List<String> names) {
            return names.size() <= 12 ? String.join(", ", names)
                    : String.join(", ", names.subList(0, 10)) + ", ... " + names.get(names.size() - 1);
        }
    }

    /**
     * Whether {@code model} looks like an image classifier: exactly one graph input, a 4-D float tensor. Reads the
     * graph as ONNX Runtime sees it (one short session).
     */
    public static boolean looksLikeOne(OnnxModel model) throws OrtException {
        Map<String, NodeInfo> inputs = inputs(model);
        return inputs.size() == 1 && inputs.values().iterator().next().getInfo() instanceof TensorInfo t
                && t.type == OnnxJavaType.FLOAT && t.getShape().length == 4;
    }

    private static Map<String, NodeInfo> inputs(OnnxModel model) throws OrtException {
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            return r.session().getInputInfo();
        }
    }

    /**
     * The classifier's input and output.
     *
     * @throws IllegalArgumentException if the model has more or less than one input, its input is not a 4-D float
     *                                  tensor, or its first output is not a 2-D float tensor (the message names the
     *                                  input or output and its type and shape)
     */
    public static Signature signature(OnnxModel model) throws OrtException {
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            Map<String, NodeInfo> in = r.session().getInputInfo();
            if (in.size() != 1) {
                throw new IllegalArgumentException("'" + model.source() + "' has " + in.size() + " inputs "
                        + in.keySet() + "; an image classifier has one NCHW float input");
            }
            NodeInfo input = in.values().iterator().next();
            if (!(input.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT
                    || t.getShape().length != 4) {
                throw new IllegalArgumentException("'" + model.source() + "': input '" + input.getName() + "' is "
                        + describe(input) + ", not a 4-D float NCHW image tensor; it is not an image classifier");
            }
            NodeInfo output = r.session().getOutputInfo().values().iterator().next();
            if (!(output.getInfo() instanceof TensorInfo o) || o.type != OnnxJavaType.FLOAT
                    || o.getShape().length != 2) {
                throw new IllegalArgumentException("'" + model.source() + "': output '" + output.getName() + "' is "
                        + describe(output) + ", not 2-D float logits [batch, classes]");
            }
            long[] s = t.getShape();
            return new Signature(model.source(), input.getName(), s[1], s[2], s[3], output.getName(),
                    o.getShape()[1]);
        }
    }

    private static String describe(NodeInfo n) {
        if (n.getInfo() instanceof TensorInfo t) {
            return t.type.toString().toLowerCase(java.util.Locale.ROOT) + " " + Arrays.toString(t.getShape())
                    .replace("-1", "?");
        }
        return n.getInfo().toString();
    }

    /**
     * The first output of {@code model} for every image, {@code [images][classes]}, in image order.
     *
     * @param batch      images per ONNX Runtime call, ≥ 1
     * @param threads    intra-op threads, ≥ 1
     * @param afterBatch told the number of images done after each batch, may be null
     * @throws IllegalArgumentException if the images do not fit ({@link Signature#requireFits}) or the output's class
     *                                  count, known only when run, is smaller than a label
     */
    public static float[][] logits(OnnxModel model, LabelledImages images, int batch, int threads,
            IntConsumer afterBatch) throws OrtException {
        if (batch < 1 || threads < 1) {
            throw new IllegalArgumentException("batch size and threads must be ≥ 1, got " + batch + " and "
                    + threads);
        }
        Signature sig = signature(model);
        sig.requireFits(images);
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), threads)) {
            return logits(r, sig, model.source(), images, batch, afterBatch);
        }
    }

    /**
     * Like {@link #logits(OnnxModel, LabelledImages, int, int, IntConsumer)} on an open session whose input and
     * output are those of {@code sig} (checked to fit {@code images} by the caller); {@code source} names the model in
     * messages.
     */
    static float[][] logits(OnnxRunner r, Signature sig, String source, LabelledImages images, int batch,
            IntConsumer afterBatch) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int n = images.size();
        int per = images.valuesPerImage();
        float[][] out = new float[n][];
        float[] buf = new float[Math.min(batch, n) * per];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            images.normalizedInto(from, to, buf, 0);
            long[] shape = {to - from, images.channels(), images.height(), images.width()};
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(buf, 0, (to - from) * per), shape);
                 OrtSession.Result res = NativeSessions.GLOBAL.call(() -> r.session().run(Map.of(sig.input(), x)))) {
                Object v = res.get(0).getValue();
                if (!(v instanceof float[][] logits) || logits.length != to - from) {
                    throw new IllegalArgumentException("'" + source + "': output '" + sig.output()
                            + "' is not [batch, classes] float logits");
                }
                if (sig.classes() < 0 && images.maxLabel() >= logits[0].length) {
                    throw new IllegalArgumentException("'" + source + "' outputs " + logits[0].length
                            + " classes but the images have class index " + images.maxLabel()
                            + "; the labels do not fit the model");
                }
                System.arraycopy(logits, 0, out, from, to - from);
            }
            if (afterBatch != null) {
                afterBatch.accept(to);
            }
        }
        return out;
    }
}
