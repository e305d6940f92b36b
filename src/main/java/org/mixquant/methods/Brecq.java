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
import java.util.Set;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.model.Djl;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.SoftRounding;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.methods.rounding.Reconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.model.cnn.ImageBatches;

/**
 * Learned rounding on the Fashion-MNIST CNNs, in BRECQ's two granularities (Li et al., 2021, "BRECQ: Pushing the
 * Limit of Post-Training Quantization by Block Reconstruction"):
 * <ul>
 *   <li>{@link Mode#BLOCK} — BRECQ: each {@link CnnNetwork.Unit} (stem, ResNet basic block, MobileNetV2 inverted
 *       residual, head convolution, classifier) in forward order has the rounding of all of its layers optimised
 *       together on the unit's output;</li>
 *   <li>{@link Mode#LAYER} — AdaRound (Nagel et al., 2020): each layer on its own output after the activation that
 *       directly follows it (none before a residual addition).</li>
 * </ul>
 * In both, inputs come from the model whose earlier layers are already quantized and targets from the FP32 model on
 * the calibration images ({@link FashionMnist#calibration}: {@link ReconstructionOptions#calibrationSamples()} training
 * images), per-channel scales come from {@link LpScaleSearch}, and the rounding is learned by {@link LearnedRounding}.
 *
 * <p>Options: Fisher-diagonal weighting of the block loss ({@link #withFisher}, BRECQ's {@code fisher_diag}: squared
 * error times {@code (|∂KL/∂output| + 1)²}, the gradient of the KL divergence between the output of the model
 * quantized up to this unit (this unit at nearest rounding) and the FP32 output, per 32-sample batch as in BRECQ);
 * first and last layers at 8 bits ({@link #withFirstLastBits}, on by default for BRECQ, off for AdaRound; the plan
 * the result reports is the one actually applied).
 *
 * <p>The input model is not changed. Same options, images and thread count → bit-identical weights.
 */
public final class Brecq implements Quantizer {
    /** Granularity of the reconstruction. */
    public enum Mode {
        /** One layer at a time (AdaRound). */
        LAYER,
        /** One unit (block) at a time (BRECQ). */
        BLOCK
    }

    /** Bits BRECQ keeps the first and last layers at by default. */
    public static final int DEFAULT_FIRST_LAST_BITS = 8;
    private static final int CHUNK = 256;

    private final Mode mode;
    private final FashionMnist images;
    private final ReconstructionOptions options;
    private final boolean fisher;
    private final int firstLastBits;
    private final Progress progress;
    private final Consumer<String> log;

    private Brecq(Mode mode, FashionMnist images, ReconstructionOptions options, boolean fisher, int firstLastBits,
            Progress progress, Consumer<String> log) {
        this.mode = mode;
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
        return create(Mode.BLOCK, images, options, DEFAULT_FIRST_LAST_BITS);
    }

    /** Layer-wise AdaRound on a CNN; every layer gets the plan's bits. */
    public static Brecq layers(FashionMnist images, ReconstructionOptions options) {
        return create(Mode.LAYER, images, options, 0);
    }

    private static Brecq create(Mode mode, FashionMnist images, ReconstructionOptions options, int firstLast) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(options, "options");
        if (images.size() == 0) {
            throw new IllegalArgumentException("no calibration images");
        }
        int n = Math.min(images.size(), options.calibrationSamples());
        return new Brecq(mode, n == images.size() ? images : images.head(n), options, false, firstLast,
                Progress.NONE, s -> { });
    }

    /** The same quantizer with (or without) Fisher-diagonal loss weighting; only block mode supports it. */
    public Brecq withFisher(boolean on) {
        if (on && mode != Mode.BLOCK) {
            throw new IllegalArgumentException("Fisher weighting is defined for block reconstruction (BRECQ) only");
        }
        return new Brecq(mode, images, options, on, firstLastBits, progress, log);
    }

    /**
     * The same quantizer keeping the first layer (the stem) and the last (the classifier) at {@code bits}, or
     * following the plan for them when {@code bits} is 0.
     */
    public Brecq withFirstLastBits(int bits) {
        if (bits != 0) {
            org.mixquant.quant.Bits.check(bits);
        }
        return new Brecq(mode, images, options, fisher, bits, progress, log);
    }

    /** The same quantizer reporting optimisation steps to {@code p} (task = unit or layer name). */
    public Brecq withProgress(Progress p) {
        return new Brecq(mode, images, options, fisher, firstLastBits, Objects.requireNonNull(p), log);
    }

    /** The same quantizer writing settings and one line per unit or layer to {@code sink}. */
    public Brecq withLog(Consumer<String> sink) {
        return new Brecq(mode, images, options, fisher, firstLastBits, progress, Objects.requireNonNull(sink));
    }

    /** Bits the first and last layers are kept at, 0 when they follow the plan. */
    public int firstLastBits() {
        return firstLastBits;
    }

    /** Block or layer reconstruction. */
    public Mode mode() {
        return mode;
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
        return mode == Mode.BLOCK ? "brecq" : "adaround";
    }

    /** One line with everything that sets this run apart, for logs and tables. */
    public String describe() {
        return name() + " (" + (mode == Mode.BLOCK ? "block" : "layer") + " reconstruction"
                + (fisher ? ", Fisher-weighted loss" : "") + (firstLastBits > 0 ? ", first/last layers int"
                + firstLastBits : "") + ", " + images.size() + " calibration images): "
                + options.describe(mode == Mode.BLOCK ? "block" : "layer", false);
    }

    /**
     * What happened to one unit (block mode) or layer (layer mode).
     *
     * @param name                unit or layer name
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
     * The quantized model with one report per unit or layer.
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
        List<CnnNetwork.Unit> units = net.units();
        Map<String, WeightTensor> fpWeights = new LinkedHashMap<>();
        for (Layer l : model.layers()) {
            fpWeights.put(l.name(), l.weight());
        }
        Map<String, WeightTensor> biases = biases(model);
        log.accept(describe());
        Djl.threads(options.threads());
        List<UnitReport> reports = new ArrayList<>();
        Map<String, WeightTensor> replaced = new LinkedHashMap<>();
        int total = mode == Mode.BLOCK ? units.size() : model.layers().size();
        int done = 0;
        try (CnnRunner fp = model.open(); NDManager root = fp.manager().newSubManager()) {
            Map<String, NDArray> current = new HashMap<>(fp.params());
            CnnOps fpOps = fp.ops();
            NDArray xf = ImageBatches.images(images, root, 0, images.size());
            NDArray fpLogits = fisher ? chunked(root, xf, x -> net.forward(fpOps, x)) : null;
            NDArray xq = xf;
            for (int k = 0; k < units.size(); k++) {
                CnnNetwork.Unit unit = units.get(k);
                NDArray inF = unit.input(xf);
                NDArray inQ = unit.input(xq);
                NDArray outF = chunked(root, inF, x -> unit.forward().apply(fpOps, x));
                if (mode == Mode.BLOCK) {
                    long u0 = System.nanoTime();
                    List<String> names = unit.layers();
                    List<WeightTensor> ws = names.stream().map(fpWeights::get).toList();
                    List<QParams> qs = new ArrayList<>();
                    for (String l : names) {
                        qs.add(LpScaleSearch.choose(fpWeights.get(l), spec(plan, l)));
                    }
                    NDArray fw = fisher ? fisherWeights(root, net, k, unit, inQ, names, ws, qs, biases, fpOps,
                            fpLogits) : null;
                    Outcome o = optimise(root, names, unit.forward(), biases, ws, qs, inQ, outF, fw,
                            options.seed() * 1_000_003L + k, unit.name());
                    putAll(root, current, replaced, names, o.result.weights());
                    done++;
                    reports.add(report(unit.name(), names, plan, o, u0));
                    logUnit(done, total, reports.get(reports.size() - 1), fw != null);
                } else {
                    // FP32 targets of every layer of the unit from one pass over the FP32 unit input; only the
                    // quantized-model inputs change as the unit's layers are quantized one after another
                    Map<String, NDArray> fpIn = captureLayerInputs(root, unit, unit.layers(), inF, fpOps);
                    Map<String, NDArray> targets = new HashMap<>();
                    for (String l : unit.layers()) {
                        CnnNetwork.UnitForward f = layerForward(net, l);
                        NDArray in = fpIn.get(l);
                        targets.put(l, chunked(root, in, x -> f.apply(fpOps, x)));
                        in.close();
                    }
                    for (String l : unit.layers()) {
                        long u0 = System.nanoTime();
                        CnnNetwork.UnitForward layerForward = layerForward(net, l);
                        NDArray lq = captureLayerInputs(root, unit, List.of(l), inQ, CnnOps.folded(current)).get(l);
                        NDArray tf = targets.get(l);
                        WeightTensor w = fpWeights.get(l);
                        QParams q = LpScaleSearch.choose(w, spec(plan, l));
                        Outcome o = optimise(root, List.of(l), layerForward, biases, List.of(w), List.of(q), lq, tf,
                                null, options.seed() * 1_000_003L + done, l);
                        putAll(root, current, replaced, List.of(l), o.result.weights());
                        lq.close();
                        tf.close();
                        done++;
                        reports.add(report(l, List.of(l), plan, o, u0));
                        logUnit(done, total, reports.get(reports.size() - 1), false);
                    }
                }
                CnnOps qOps = CnnOps.folded(current);
                NDArray nextQ = chunked(root, inQ, x -> unit.forward().apply(qOps, x));
                if (xq != xf) {
                    xq.close();
                }
                xf.close();
                xf = outF;
                xq = nextQ;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "%s: done in %.1f s", name(), secs));
        CnnModel out = model.withWeights(replaced);
        return new Report(new QuantizedModel(out, plan, name() + "-" + plan.scheme().cliName(), secs),
                List.copyOf(reports), describe());
    }

    private record Outcome(LearnedRounding.Result result, double nearest, double learned) {
    }

    private Outcome optimise(NDManager root, List<String> names, CnnNetwork.UnitForward forward,
            Map<String, WeightTensor> biases, List<WeightTensor> ws, List<QParams> qs, NDArray in, NDArray target,
            NDArray fisherWeights, long seed, String task) {
        try (NDManager m = root.newSubManager()) {
            UnitReconstruction rec = UnitReconstruction.create(m, names, forward, biases, in, target, fisherWeights);
            ReconstructionOptions opts = options.toBuilder().optSeed(seed).build();
            LearnedRounding.Result r = LearnedRounding.run(m, ws, qs, null, rec, opts, progress, task);
            List<WeightTensor> nearest = new ArrayList<>();
            for (int i = 0; i < ws.size(); i++) {
                nearest.add(SoftRounding.dequantize(ws.get(i), qs.get(i), r.nearestCodes().get(i)));
            }
            double nl = rec.evaluate(nearest);
            double ll = rec.evaluate(r.weights());
            return new Outcome(r, nl, ll);
        }
    }

    private UnitReport report(String name, List<String> names, BitPlan plan, Outcome o, long t0) {
        return new UnitReport(name, names, names.stream().map(plan::bitsOf).toList(), o.nearest, o.learned,
                o.result.flippedFraction(), (System.nanoTime() - t0) / 1e9, o.result.iterationsPerSecond());
    }

    private void logUnit(int i, int n, UnitReport r, boolean fisherWeighted) {
        log.accept(String.format(Locale.ROOT, "%s %d/%d %s %s: %d it in %.1f s (%.0f it/s), recon loss%s nearest"
                        + " %.4g → %.4g (%+.1f%%), %.1f%% rounded away from nearest", name(), i, n, r.name(),
                bitsLabel(r.bits()), options.iterations(), r.seconds(), r.iterationsPerSecond(),
                fisherWeighted ? " (Fisher-weighted)" : "", r.nearestLoss(), r.learnedLoss(), 100 * r.lossChange(),
                100 * r.flipped()));
    }

    private static String bitsLabel(List<Integer> bits) {
        return bits.stream().distinct().count() == 1 ? "int" + bits.get(0)
                : "int" + String.join("/", bits.stream().map(String::valueOf).toList());
    }

    private static QuantSpec spec(BitPlan plan, String layer) {
        return new QuantSpec(plan.bitsOf(layer), plan.scheme(), plan.granularity());
    }

    private static Map<String, WeightTensor> biases(CnnModel model) {
        Map<String, WeightTensor> b = new HashMap<>();
        var folded = model.folded();
        for (Layer l : model.layers()) {
            b.put(l.name(), folded.get(l.name() + ".bias"));
        }
        return b;
    }

    /** Replaces the named layers' weights in {@code current} (arrays in {@code root}) and records them. */
    private static void putAll(NDManager root, Map<String, NDArray> current, Map<String, WeightTensor> replaced,
            List<String> names, List<WeightTensor> weights) {
        for (int i = 0; i < names.size(); i++) {
            current.put(names.get(i) + ".weight", CnnRunner.toNd(root, weights.get(i)));
            replaced.put(names.get(i), weights.get(i));
        }
    }

    /** One layer with the activation that directly follows it. */
    public static CnnNetwork.UnitForward layerForward(CnnNetwork net, String layer) {
        CnnNetwork.Act act = net.activationAfter(layer);
        if (layer.equals(CnnNetwork.FC)) {
            return (ops, x) -> act.apply(ops.fc(x));
        }
        ConvSpec c = net.conv(layer);
        return (ops, x) -> act.apply(ops.conv(c, x));
    }

    /**
     * The inputs of {@code layers} when {@code unit} runs on {@code unitInput} with {@code ops}: one pass, in chunks of
     * {@value #CHUNK} samples, each layer's input concatenated into an array of {@code root}.
     */
    private static Map<String, NDArray> captureLayerInputs(NDManager root, CnnNetwork.Unit unit, List<String> layers,
            NDArray unitInput, CnnOps ops) {
        Map<String, NDList> parts = new HashMap<>();
        for (String l : layers) {
            parts.put(l, new NDList());
        }
        CnnOps rec = CnnOps.recording(ops, Set.copyOf(layers), (name, x) -> parts.get(name).add(x));
        long n = unitInput.getShape().get(0);
        Map<String, NDArray> out = new HashMap<>();
        try (NDManager tmp = root.newSubManager()) {
            for (long from = 0; from < n; from += CHUNK) {
                long to = Math.min(n, from + CHUNK);
                unit.forward().apply(rec, unitInput.get(tmp, new NDIndex(from + ":" + to)));
            }
            for (String l : layers) {
                NDList p = parts.get(l);
                if (p.size() != (n + CHUNK - 1) / CHUNK) {
                    throw new IllegalStateException("unit " + unit.name() + " did not run layer " + l + " once per"
                            + " chunk");
                }
                out.put(l, UnitReconstruction.copyTo(p.size() == 1 ? p.get(0) : NDArrays.concat(p), root));
            }
        }
        return out;
    }

    /**
     * Applies {@code f} to {@code x} in chunks of {@value #CHUNK} samples (no gradient) and returns the concatenated
     * result as an array of {@code root}; the temporaries of each chunk are freed.
     */
    private static NDArray chunked(NDManager root, NDArray x, java.util.function.UnaryOperator<NDArray> f) {
        long n = x.getShape().get(0);
        NDList parts = new NDList();
        try (NDManager tmp = root.newSubManager()) {
            for (long from = 0; from < n; from += CHUNK) {
                long to = Math.min(n, from + CHUNK);
                NDArray part = f.apply(x.get(tmp, new NDIndex(from + ":" + to)));
                parts.add(part);
            }
            NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts);
            return UnitReconstruction.copyTo(all, root);
        }
    }

    /**
     * BRECQ's Fisher weights for unit {@code k}: {@code (|g| + 1)²} with {@code g} the gradient, with respect to the
     * unit's output, of {@code KL(softmax(fp logits) ‖ softmax(logits))} summed over a batch of
     * {@link ReconstructionOptions#batchSize()} samples and divided by the samples in that batch
     * ({@code reduction='batchmean'}; see {@link #klGradientWeights}), where the logits come from the unit's output with its layers at nearest
     * rounding (inputs from the quantized model) run through the remaining FP32 units.
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
     * {@code h = unitOutput(rows)}, of the batch's {@code KL(softmax(fpLogits[rows]) ‖ softmax(logits(h)))} summed over
     * the batch and divided by the number of samples in that batch (PyTorch's {@code reduction='batchmean'}).
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
