package org.mixquant.sensitivity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mixquant.data.LabelledImages;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.ImageClassifier;
import org.mixquant.model.onnx.LayerProbe;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.tensor.WeightTensor;

/**
 * The classifier distortion of any ONNX image classifier ({@link ImageClassifier}: one NCHW float input, logits
 * {@code [batch, classes]}): mean over calibration images of KL(p ‖ q) in nats, p = softmax of the FP32 logits, q =
 * softmax of the quantized model's ({@link SoftmaxKl}, as {@link ClassifierKl} on the DJL CNNs). Labels are not used.
 *
 * <p>{@link #measureLayer} runs only the graph suffix the layer's weight changes ({@link LayerProbe}), fed with the
 * FP32 tensors at its boundary; its reference is the same suffix with the FP32 weight, so both sides of the KL come
 * from one ONNX Runtime graph. Not thread-safe; {@link #close()} releases the probe's native memory.
 */
public final class OnnxClassifierKl extends OnnxDistortion<double[][]> {
    /** Images per ONNX Runtime call. */
    static final int BATCH = 256;

    private final LabelledImages images;
    private final ImageClassifier.Signature signature;
    private final double[][] reference;
    private List<OnnxTensor> inputs;

    private OnnxClassifierKl(OnnxModel fp32, LabelledImages images, ImageClassifier.Signature signature, int threads,
            String calibration) throws OrtException {
        super(fp32, threads, calibration);
        this.images = images;
        this.signature = signature;
        this.reference = SoftmaxKl.logSoftmax(ImageClassifier.logits(fp32, images, BATCH, threads, null));
    }

    /**
     * KL against {@code fp32} (unmodified) on {@code images}, which must fit its input ({@link
     * ImageClassifier.Signature#requireFits}).
     *
     * @param threads ONNX Runtime intra-op threads, ≥ 1
     * @throws IllegalArgumentException if the model carries replaced weights, is not an image classifier or the images
     *                                  do not fit it
     */
    public static OnnxClassifierKl create(OnnxModel fp32, LabelledImages images, int threads) throws OrtException {
        requireReference(fp32, threads);
        ImageClassifier.Signature sig = ImageClassifier.signature(fp32);
        sig.requireFits(images);
        return new OnnxClassifierKl(fp32, images, sig, threads, images.name() + " (" + images.preprocessing()
                + ") sha256=" + images.sha256().substring(0, 16));
    }

    @Override
    public String metric() {
        return "mean KL(FP32 softmax || quantized softmax), nats";
    }

    @Override
    public int samples() {
        return images.size();
    }

    @Override
    public double measure(QuantizableModel model) {
        OnnxModel onnx = versionOf(model, "KL distortion");
        try {
            return SoftmaxKl.meanKl(reference, SoftmaxKl.logSoftmax(ImageClassifier.logits(onnx, images, BATCH,
                    threads, null)));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + model.source() + ": " + e.getMessage(), e);
        }
    }

    @Override
    void openProbe() throws OrtException {
        if (probe == null) {
            inputs = imageTensors();
            probe = LayerProbe.open(fp32, inputs.stream().map(t -> Map.of(signature.input(), t)).toList(), threads);
        }
    }

    @Override
    double distance(double[][] reference, double[][] quantized) {
        return SoftmaxKl.meanKl(reference, quantized);
    }

    /** Log-softmax of the logits of the layer's suffix with {@code weight}, every image. */
    @Override
    double[][] probeOutput(String layer, WeightTensor weight) throws OrtException {
        double[][] out = new double[images.size()][];
        probe.run(layer, weight, (b, first) -> {
            float[][] logits = (float[][]) first.getValue();
            for (int i = 0; i < logits.length; i++) {
                out[b * BATCH + i] = SoftmaxKl.logSoftmaxRow(logits[i], 0, logits[i].length);
            }
        });
        return out;
    }

    /** The normalised calibration images as NCHW tensors of at most {@link #BATCH} images. */
    private List<OnnxTensor> imageTensors() throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> out = new ArrayList<>();
        int n = images.size();
        int per = images.valuesPerImage();
        try {
            for (int from = 0; from < n; from += BATCH) {
                int to = Math.min(n, from + BATCH);
                float[] buf = new float[(to - from) * per];
                images.normalizedInto(from, to, buf, 0);
                out.add(OnnxTensor.createTensor(env, FloatBuffer.wrap(buf),
                        new long[] {to - from, images.channels(), images.height(), images.width()}));
            }
        } catch (OrtException | RuntimeException e) {
            out.forEach(OnnxTensor::close);
            throw e;
        }
        return out;
    }

    @Override
    void closeFeeds() {
        if (inputs != null) {
            inputs.forEach(OnnxTensor::close);
            inputs = null;
        }
    }
}
