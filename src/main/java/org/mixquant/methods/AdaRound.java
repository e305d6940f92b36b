package org.mixquant.methods;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.Djl;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.SoftRounding;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.LayerReconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.LpScaleSearch;

/**
 * Layer-wise AdaRound (Nagel et al., 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization"), as
 * BRECQ's {@code layer_reconstruction} runs it, on both kinds of model: the Fashion-MNIST CNNs
 * ({@link #create(FashionMnist, ReconstructionOptions)}, calibration images) and ONNX models
 * ({@link #create(CalibrationCapture, ReconstructionOptions)}, captured calibration inputs). Block reconstruction is
 * {@link Brecq}. For each layer in forward order, with the bits the {@link BitPlan} gives it,
 * <ol>
 *   <li>choose per-channel scales by {@link LpScaleSearch} (p = 2.4);</li>
 *   <li>capture the layer's inputs from the model whose earlier layers are already quantized, and compute targets
 *       from the FP32 model's inputs through the FP32 layer ({@link CalibrationCapture}, {@link LayerReconstruction});
 *       the output is taken after the layer's bias and activation (for MiniLM: the GELU of the intermediate dense
 *       layers; the other MatMuls have none) unless {@link ReconstructionOptions#includeActivation()} is off;</li>
 *   <li>learn the rounding with {@link LearnedRounding} and keep the hard-rounded weights.</li>
 * </ol>
 * Consecutive layers fed by the same tensor (MiniLM's query, key and value) share one capture: quantizing one of
 * them cannot change the tensor that feeds the others.
 *
 * On a CNN the layer's output is taken after the activation that directly follows it ({@link #layerForward}; none
 * before a residual addition), convolutions included, on all calibration images.
 *
 * <p>ONNX layers: MatMul and Gemm layers reconstruct their output from captured rows ({@link LayerReconstruction};
 * a Gemm's {@code alpha} scales the captured input, {@code beta·C} is the bias, {@link CalibrationCapture#inputScale});
 * Conv layers from captured feature maps, re-run with DJL's {@code Conv2d} with the node's strides, pads, dilations and
 * groups ({@link CalibrationCapture#convolution}, {@code OnnxConvAdaRound}) on the CNNs' objective and loop. Text
 * models calibrate on sentences ({@link OnnxTextCalibration}), any other model on named arrays
 * ({@link OnnxArrayCalibration}).
 *
 * <p>ONNX models: with {@link ReconstructionOptions#iterations()} 0 nothing is optimised or captured: the result is
 * the L<sub>p</sub>-searched scales with rounding to nearest (half to even, {@link FakeQuant}), the baseline AdaRound
 * starts from.
 *
 * <p>The input model is not changed; the result shares every tensor it does not replace.
 */
public final class AdaRound implements Quantizer {
    /** ONNX calibration, or {@code null} for a CNN. */
    private final CalibrationCapture calibration;
    /** CNN calibration images, or {@code null} for an ONNX model. */
    private final FashionMnist images;
    private final ReconstructionOptions options;
    private final Progress progress;
    private final Consumer<String> log;

    private AdaRound(CalibrationCapture calibration, FashionMnist images, ReconstructionOptions options,
            Progress progress, Consumer<String> log) {
        this.calibration = calibration;
        this.images = images;
        this.options = options;
        this.progress = progress;
        this.log = log;
    }

    /**
     * AdaRound for the model {@code calibration} captures inputs from (an ONNX model), with the given settings;
     * silent until {@link #withLog}/{@link #withProgress}.
     */
    public static AdaRound create(CalibrationCapture calibration, ReconstructionOptions options) {
        return new AdaRound(Objects.requireNonNull(calibration, "calibration"), null,
                Objects.requireNonNull(options, "options"), Progress.NONE, s -> { });
    }

    /**
     * AdaRound for a Fashion-MNIST CNN ({@link CnnModel}) on calibration images, with the given settings; silent
     * until {@link #withLog}/{@link #withProgress}.
     *
     * @param images calibration images (at least one; the first {@code options.calibrationSamples()} are used)
     * @throws IllegalArgumentException if {@code images} is empty
     */
    public static AdaRound create(FashionMnist images, ReconstructionOptions options) {
        return new AdaRound(null, CnnReconstruction.calibrationImages(images, options), options, Progress.NONE,
                s -> { });
    }

    /** The same quantizer, reporting optimisation steps to {@code p} (task = layer name). */
    public AdaRound withProgress(Progress p) {
        return new AdaRound(calibration, images, options, Objects.requireNonNull(p), log);
    }

    /** The same quantizer, writing the settings and one line per layer to {@code sink}. */
    public AdaRound withLog(Consumer<String> sink) {
        return new AdaRound(calibration, images, options, progress, Objects.requireNonNull(sink));
    }

    /**
     * One CNN layer with the activation that directly follows it (none before a residual addition): the output
     * AdaRound reconstructs on a CNN.
     */
    public static CnnNetwork.UnitForward layerForward(CnnNetwork net, String layer) {
        CnnNetwork.Act act = net.activationAfter(layer);
        if (layer.equals(CnnNetwork.FC)) {
            return (ops, x) -> act.apply(ops.fc(x));
        }
        ConvSpec c = net.conv(layer);
        return (ops, x) -> act.apply(ops.conv(c, x));
    }

    /** The settings. */
    public ReconstructionOptions options() {
        return options;
    }

    @Override
    public String name() {
        return "adaround";
    }

    /**
     * What happened to one layer.
     *
     * @param layer          layer name
     * @param bits           bit-width
     * @param rows           calibration rows (token rows of an ONNX model, images of a CNN)
     * @param activation     activation after the layer that the loss includes
     * @param nearestLoss    reconstruction loss on all rows with rounding to nearest (same scales)
     * @param adaroundLoss   the same with the learned rounding
     * @param flipped        fraction of weights rounded the other way than nearest
     * @param seconds        wall time of the layer (capture + optimisation)
     * @param iterationsPerSecond optimisation speed
     */
    public record LayerReport(String layer, int bits, int rows, LayerSite.Activation activation, double nearestLoss,
            double adaroundLoss, double flipped, double seconds, double iterationsPerSecond) {
        /** Relative change of the reconstruction loss, {@code adaround / nearest − 1}. */
        public double lossChange() {
            return nearestLoss > 0 ? adaroundLoss / nearestLoss - 1 : 0;
        }
    }

    /**
     * The quantized model with per-layer reports.
     *
     * @param quantized the model, plan, method name and total time
     * @param layers    one report per layer, forward order
     * @param settings  {@link ReconstructionOptions#describe()} of the run (on a CNN with the calibration images)
     */
    public record Report(QuantizedModel quantized, List<LayerReport> layers, String settings) {
    }

    @Override
    public QuantizedModel quantize(QuantizableModel model, BitPlan plan) {
        return run(model, plan).quantized();
    }

    /**
     * Quantizes every layer with the bits of {@code plan}, layer by layer in forward order, and reports per layer.
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers, or the calibration
     *                                  does not belong to this model (images for a model that is not a
     *                                  {@link CnnModel})
     * @throws IllegalStateException    if capturing inputs with ONNX Runtime fails
     */
    public Report run(QuantizableModel model, BitPlan plan) {
        if (images != null) {
            if (!(model instanceof CnnModel cnn)) {
                throw new IllegalArgumentException("adaround with calibration images needs a Fashion-MNIST CNN, not "
                        + model.source() + "; ONNX models take a CalibrationCapture");
            }
            return CnnAdaRound.run(cnn, plan, images, options, progress, log);
        }
        plan.validateFor(model.layerNames());
        long t0 = System.nanoTime();
        List<Layer> layers = model.layers();
        int n = layers.size();
        log.accept("adaround: " + n + " layers, " + options.describe());
        Map<String, WeightTensor> replaced = new LinkedHashMap<>();
        List<LayerReport> reports = new ArrayList<>();
        if (options.iterations() == 0) {
            for (Layer l : layers) {
                QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
                float[] out = new float[l.weight().size()];
                FakeQuant.apply(l.weight(), LpScaleSearch.choose(l.weight(), spec), out);
                replaced.put(l.name(), WeightTensor.wrap(out, l.weight().shape(), l.weight().channelAxis()));
            }
            QuantizableModel out = model.withWeights(replaced);
            return new Report(new QuantizedModel(out, plan, methodName(plan), (System.nanoTime() - t0) / 1e9),
                    List.of(), options.describe());
        }
        List<LayerSite> sites = new ArrayList<>();
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < n; i++) {
            LayerSite s = calibration.site(layers.get(i).name());
            sites.add(s);
            lastUse.put(s.input(), i);
        }
        Map<String, float[]> fp = capture(model, sites.stream().map(LayerSite::input).distinct().toList());
        QuantizableModel current = model;
        float[] xq = null;
        for (int i = 0; i < n; i++) {
            long l0 = System.nanoTime();
            Layer layer = layers.get(i);
            LayerSite site = sites.get(i);
            int bits = plan.bitsOf(layer.name());
            QuantSpec spec = new QuantSpec(bits, plan.scheme(), plan.granularity());
            QParams q = LpScaleSearch.choose(layer.weight(), spec);
            float[] xf = fp.get(site.input());
            if (i == 0 || !site.input().equals(sites.get(i - 1).input())) {
                xq = replaced.isEmpty() ? xf
                        : capture(current, List.of(site.input())).get(site.input());
            }
            LayerSite.Activation act = options.includeActivation() ? site.activation() : LayerSite.Activation.IDENTITY;
            ReconstructionOptions layerOpts = options.toBuilder().optSeed(options.seed() * 1_000_003L + i).build();
            LearnedRounding.Result r;
            double nearest;
            double learned;
            var conv = calibration.convolution(layer.name());
            if (conv.isPresent()) {
                CnnReconstruction.Outcome o = OnnxConvAdaRound.optimise(layer, site, act, conv.get(),
                        calibration.sampleShape(site.input()), xq, xf, q, options, layerOpts.seed(), progress);
                r = o.result();
                nearest = o.nearest();
                learned = o.learned();
            } else {
                try (NDManager m = Djl.engine().newBaseManager()) {
                    float a = calibration.inputScale(layer.name());
                    LayerReconstruction rec = LayerReconstruction.create(m, scaled(xq, a), scaled(xf, a),
                            layer.weight(), site.bias(), act);
                    r = LearnedRounding.run(m, List.of(layer.weight()), List.of(q), null, rec, layerOpts, progress,
                            layer.name());
                    nearest = rec.evaluate(SoftRounding.dequantize(layer.weight(), q, r.nearestCodes().get(0)));
                    learned = rec.evaluate(r.weights().get(0));
                }
            }
            WeightTensor hard = r.weights().get(0);
            replaced.put(layer.name(), hard);
            current = current.withWeights(Map.of(layer.name(), hard));
            if (lastUse.get(site.input()) == i) {
                fp.remove(site.input());
            }
            double secs = (System.nanoTime() - l0) / 1e9;
            LayerReport rep = new LayerReport(layer.name(), bits, calibration.rows(), act, nearest, learned,
                    r.flippedFraction(), secs, r.iterationsPerSecond());
            reports.add(rep);
            log.accept(String.format(Locale.ROOT, "adaround %d/%d %s int%d %s%s: %d it in %.1f s (%.0f it/s),"
                            + " recon loss nearest %.4g → %.4g (%+.1f%%), %.1f%% rounded away from nearest", i + 1, n,
                    layer.name(), bits, layer.weight().shapeString(), act == LayerSite.Activation.IDENTITY ? ""
                            : " +" + act, options.iterations(), secs, r.iterationsPerSecond(), nearest, learned,
                    100 * rep.lossChange(), 100 * rep.flipped()));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "adaround: done in %.1f s", secs));
        return new Report(new QuantizedModel(current, plan, methodName(plan), secs), List.copyOf(reports),
                options.describe());
    }

    /** {@code x} times {@code a} (a Gemm's alpha on its input), or {@code x} itself when {@code a} is 1. */
    private static float[] scaled(float[] x, float a) {
        if (a == 1f) {
            return x;
        }
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * a;
        }
        return y;
    }

    private Map<String, float[]> capture(QuantizableModel state, List<String> inputs) {
        return calibration.inputsOrThrow(state, inputs);
    }

    private String methodName(BitPlan plan) {
        return name() + "-" + plan.scheme().cliName();
    }

    @Override
    public String toString() {
        return "AdaRound[" + (images != null ? CnnAdaRound.describe(images, options)
                : calibration + ", " + options.describe()) + "]";
    }
}
