package org.mixquant.methods;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.Djl;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QParams;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.LpScaleSearch;

/**
 * BRECQ block reconstruction on the Fashion-MNIST CNNs (Li et al., 2021, "BRECQ: Pushing the Limit of Post-Training
 * Quantization by Block Reconstruction"): each {@link CnnNetwork.Unit} (stem, ResNet basic block, MobileNetV2 inverted
 * residual, head convolution, classifier) in forward order has the rounding of all of its layers optimised together on
 * the unit's output. Layer-wise learned rounding (AdaRound) is {@link AdaRound}, on the CNNs too.
 * Inputs come from the model whose earlier units are already quantized and targets from the FP32 model on
 * the calibration images ({@link FashionMnist#calibration}: {@link ReconstructionOptions#calibrationSamples()} training
 * images), per-channel scales come from {@link LpScaleSearch}, and the rounding is learned by {@link LearnedRounding}.
 *
 * <p>Options: Fisher-diagonal weighting of the block loss ({@link #withFisher}, BRECQ's {@code fisher_diag}: squared
 * error times {@code (|∂KL/∂output| + 1)²}, the gradient of the KL divergence between the output of the model
 * quantized up to this unit (this unit at nearest rounding) and the FP32 output, per batch as in BRECQ);
 * first and last layers at 8 bits ({@link #withFirstLastBits}, on by default; {@link #fixedLayers}; the plan the
 * result reports is the one actually applied).
 *
 * <p>The input model is not changed. Same options, images and thread count → bit-identical weights.
 */
public final class Brecq implements Quantizer {
    /** Bits BRECQ keeps the first and last layers at by default. */
    public static final int DEFAULT_FIRST_LAST_BITS = 8;

    private final FashionMnist images;
    private final ReconstructionOptions options;
    private final boolean fisher;
    private final int firstLastBits;
    private final Progress progress;
    private final Consumer<String> log;

    private Brecq(FashionMnist images, ReconstructionOptions options, boolean fisher, int firstLastBits,
            Progress progress, Consumer<String> log) {
        this.images = images;
        this.options = options;
        this.fisher = fisher;
        this.firstLastBits = firstLastBits;
        this.progress = progress;
        this.log = log;
    }

    /**
     * BRECQ block reconstruction, first and last layers at 8 bits, no Fisher weighting.
     *
     * @param images calibration images (at least one; the first {@code options.calibrationSamples()} are used)
     * @throws IllegalArgumentException if {@code images} is empty
     */
    public static Brecq blocks(FashionMnist images, ReconstructionOptions options) {
        return new Brecq(CnnReconstruction.calibrationImages(images, options), options, false,
                DEFAULT_FIRST_LAST_BITS, Progress.NONE, s -> { });
    }

    /** The same quantizer with (or without) Fisher-diagonal loss weighting. */
    public Brecq withFisher(boolean on) {
        return new Brecq(images, options, on, firstLastBits, progress, log);
    }

    /**
     * The same quantizer keeping the first layer (the stem) and the last (the classifier) at {@code bits}, or
     * following the plan for them when {@code bits} is 0.
     */
    public Brecq withFirstLastBits(int bits) {
        if (bits != 0) {
            org.mixquant.quant.Bits.check(bits);
        }
        return new Brecq(images, options, fisher, bits, progress, log);
    }

    /** The same quantizer reporting optimisation steps to {@code p} (task = unit name). */
    public Brecq withProgress(Progress p) {
        return new Brecq(images, options, fisher, firstLastBits, Objects.requireNonNull(p), log);
    }

    /** The same quantizer writing settings and one line per unit to {@code sink}. */
    public Brecq withLog(Consumer<String> sink) {
        return new Brecq(images, options, fisher, firstLastBits, progress, Objects.requireNonNull(sink));
    }

    /** Bits the first and last layers are kept at, 0 when they follow the plan. */
    public int firstLastBits() {
        return firstLastBits;
    }

    /** The settings. */
    public ReconstructionOptions options() {
        return options;
    }

    /** Calibration images used. */
    public int calibrationImages() {
        return images.size();
    }

    @Override
    public String name() {
        return "brecq";
    }

    /** One line with everything that sets this run apart, for logs and tables. */
    public String describe() {
        return name() + " (block reconstruction"
                + (fisher ? ", Fisher-weighted loss" : "") + (firstLastBits > 0 ? ", first/last layers int"
                + firstLastBits : "") + ", " + images.size() + " calibration images): "
                + options.describe("block", false);
    }

    /**
     * What happened to one unit.
     *
     * @param name                unit name
     * @param layers              its layers
     * @param bits                their bits
     * @param nearestLoss         reconstruction loss on all calibration images with nearest rounding (same scales)
     * @param learnedLoss         the same after learning the rounding
     * @param flipped             fraction of weights rounded the other way than nearest
     * @param seconds             wall time (capture + optimisation)
     * @param iterationsPerSecond optimisation speed
     */
    public record UnitReport(String name, List<String> layers, List<Integer> bits, double nearestLoss,
            double learnedLoss, double flipped, double seconds, double iterationsPerSecond) {
        /** {@code learned / nearest − 1}. */
        public double lossChange() {
            return nearestLoss > 0 ? learnedLoss / nearestLoss - 1 : 0;
        }
    }

    /**
     * The quantized model with one report per unit.
     *
     * @param quantized the model, the plan actually applied, method name and time
     * @param units     reports in forward order
     * @param settings  {@link #describe()}
     */
    public record Report(QuantizedModel quantized, List<UnitReport> units, String settings) {
    }

    @Override
    public QuantizedModel quantize(QuantizableModel model, BitPlan plan) {
        if (!(model instanceof CnnModel cnn)) {
            throw new IllegalArgumentException(name() + " on CNNs needs a CnnModel; for ONNX transformers use"
                    + " AdaRound with text calibration (" + model.source() + ")");
        }
        return run(cnn, plan).quantized();
    }

    /**
     * The first layer (the stem) and the last (the classifier) of {@code model} at {@link #firstLastBits()}, in forward
     * order; empty when that is 0 (they follow the plan).
     */
    @Override
    public Map<String, Integer> fixedLayers(QuantizableModel model) {
        if (firstLastBits == 0) {
            return Map.of();
        }
        List<Layer> ls = model.layers();
        Map<String, Integer> fixed = new LinkedHashMap<>();
        fixed.put(ls.get(0).name(), firstLastBits);
        fixed.put(ls.get(ls.size() - 1).name(), firstLastBits);
        return java.util.Collections.unmodifiableMap(fixed);
    }

    /** The plan this quantizer applies for {@code plan}: the {@link #fixedLayers} replaced. */
    public BitPlan effectivePlan(CnnModel model, BitPlan plan) {
        plan.validateFor(model.layerNames());
        Map<String, Integer> fixed = fixedLayers(model);
        if (fixed.entrySet().stream().allMatch(e -> plan.bitsOf(e.getKey()) == e.getValue())) {
            return plan;
        }
        Map<String, Integer> bits = new LinkedHashMap<>(plan.bits());
        bits.putAll(fixed);
        Map<String, Object> params = new LinkedHashMap<>(plan.params());
        params.put("first_last_bits", firstLastBits);
        return new BitPlan(plan.name() + "+fl" + firstLastBits, plan.model(), plan.scheme(), plan.granularity(),
                plan.rule(), params, plan.provenance(), bits);
    }

    /**
     * Quantizes {@code model} with the bits of {@code plan} (first/last replaced, see {@link #effectivePlan}).
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers
     */
    public Report run(CnnModel model, BitPlan requested) {
        BitPlan plan = effectivePlan(model, requested);
        long t0 = System.nanoTime();
        CnnNetwork net = model.network();
        int total = net.units().size();
        Map<String, WeightTensor> fpWeights = CnnReconstruction.weights(model);
        Map<String, WeightTensor> biases = CnnReconstruction.biases(model);
        log.accept(describe());
        List<UnitReport> reports = new ArrayList<>();
        NDArray[] fpLogits = new NDArray[1];
        Map<String, WeightTensor> replaced = CnnReconstruction.walk(model, images, options.threads(),
                (root, k, unit, fpBefore, inF, inQ, outF, fpOps, state) -> {
                    if (fisher && k == 0) {
                        fpLogits[0] = CnnReconstruction.chunked(root, fpBefore, x -> net.forward(fpOps, x));
                    }
                    long u0 = System.nanoTime();
                    List<String> names = unit.layers();
                    List<WeightTensor> ws = names.stream().map(fpWeights::get).toList();
                    List<QParams> qs = new ArrayList<>();
                    for (String l : names) {
                        qs.add(LpScaleSearch.choose(fpWeights.get(l), CnnReconstruction.spec(plan, l)));
                    }
                    NDArray fw = fisher ? fisherWeights(root, net, k, unit, inQ, names, ws, qs, biases, fpOps,
                            fpLogits[0]) : null;
                    CnnReconstruction.Outcome o = CnnReconstruction.optimise(root, names, unit.forward(), biases,
                            ws, qs, inQ, outF, fw, options, options.seed() * 1_000_003L + k, progress, unit.name());
                    state.put(names, o.result().weights());
                    double secs = (System.nanoTime() - u0) / 1e9;
                    UnitReport r = new UnitReport(unit.name(), names, names.stream().map(plan::bitsOf).toList(),
                            o.nearest(), o.learned(), o.result().flippedFraction(), secs,
                            o.result().iterationsPerSecond());
                    reports.add(r);
                    log.accept(CnnReconstruction.logLine(name(), reports.size(), total, r.name(), r.bits(),
                            options.iterations(), o, secs, fw != null));
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "%s: done in %.1f s", name(), secs));
        CnnModel out = model.withWeights(replaced);
        return new Report(new QuantizedModel(out, plan, name() + "-" + plan.scheme().cliName(), secs),
                List.copyOf(reports), describe());
    }

    /**
     * BRECQ's Fisher weights for unit {@code k}: {@code (|g| + 1)²} with {@code g} the gradient, with respect to the
     * unit's output, of {@code KL(softmax(fp logits) ‖ softmax(logits))} summed over a batch of
     * {@link ReconstructionOptions#batchSize()} samples and divided by the samples in that batch
     * ({@code reduction='batchmean'}; see {@link #klGradientWeights}), where the logits come from the unit's output
     * with its layers at nearest rounding (inputs from the quantized model) run through the remaining FP32 units.
     */
    private NDArray fisherWeights(NDManager root, CnnNetwork net, int k, CnnNetwork.Unit unit, NDArray inQ,
            List<String> names, List<WeightTensor> ws, List<QParams> qs, Map<String, WeightTensor> biases,
            CnnOps fpOps, NDArray fpLogits) {
        Map<String, NDArray> p = new HashMap<>();
        try (NDManager m = root.newSubManager()) {
            for (int i = 0; i < names.size(); i++) {
                WeightTensor w = ws.get(i);
                float[] q = new float[w.size()];
                FakeQuant.apply(w, qs.get(i), q);
                p.put(names.get(i) + ".weight", CnnRunner.toNd(m, WeightTensor.wrap(q, w.shape(), w.channelAxis())));
                p.put(names.get(i) + ".bias", CnnRunner.toNd(m, biases.get(names.get(i))));
            }
            CnnOps nearestOps = CnnOps.folded(p);
            NDArray all = klGradientWeights(m, inQ.getShape().get(0), options.batchSize(),
                    (step, rows) -> unit.forward().apply(nearestOps, inQ.get(step, rows)),
                    h -> net.forwardFrom(fpOps, h, k + 1), fpLogits);
            return UnitReconstruction.copyTo(all, root);
        }
    }

    /**
     * {@code (|g| + 1)²} for {@code n} samples in batches of {@code batchSize} (the last one shorter when
     * {@code batchSize} does not divide {@code n}), with {@code g} the gradient, with respect to the unit output
     * {@code h = unitOutput(rows)}, of the batch's {@code KL(softmax(fpLogits[rows]) ‖ softmax(logits(h)))} summed
     * over the batch and divided by the number of samples in that batch (PyTorch's {@code reduction='batchmean'}).
     *
     * @param m          manager of the result; each batch's temporaries live in a sub-manager of it
     * @param unitOutput the unit output for the given rows of the samples (an array of the given manager)
     * @param logits     the logits computed from a unit output (under autograd)
     * @param fpLogits   FP32 logits of all {@code n} samples, {@code [n, classes]}
     * @return the weights, shaped as the unit output of all samples
     */
    static NDArray klGradientWeights(NDManager m, long n, int batchSize,
            java.util.function.BiFunction<NDManager, NDIndex, NDArray> unitOutput,
            java.util.function.UnaryOperator<NDArray> logits, NDArray fpLogits) {
        Engine engine = Djl.engine();
        NDList parts = new NDList();
        for (long from = 0; from < n; from += batchSize) {
            long to = Math.min(n, from + batchSize);
            try (NDManager step = m.newSubManager()) {
                NDIndex rows = new NDIndex(from + ":" + to);
                NDArray h = UnitReconstruction.copyTo(unitOutput.apply(step, rows), step);
                h.setRequiresGradient(true);
                try (GradientCollector gc = engine.newGradientCollector()) {
                    NDArray logq = logits.apply(h).logSoftmax(1);
                    NDArray logp = fpLogits.get(step, rows).logSoftmax(1);
                    NDArray kl = logp.exp().mul(logp.sub(logq)).sum().div(step.create((float) (to - from)));
                    gc.backward(kl);
                }
                NDArray g = h.getGradient().abs().add(step.create(1f));
                parts.add(UnitReconstruction.copyTo(g.mul(g), m));
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts);
    }

    @Override
    public String toString() {
        return "Brecq[" + describe() + "]";
    }
}
