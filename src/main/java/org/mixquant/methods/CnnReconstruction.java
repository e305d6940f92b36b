package org.mixquant.methods;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.SoftRounding;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.model.Djl;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.ImageBatches;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * The walk both learned roundings on the Fashion-MNIST CNNs share — {@link AdaRound} layer by layer, {@link Brecq}
 * block by block: the {@link CnnNetwork#units()} in forward order, each seeing its input from the FP32 model and from
 * the model whose earlier units are already quantized, with the optimisation of one layer or block in between.
 * Work on the calibration images goes in chunks of {@value #CHUNK} samples, so memory stays bounded.
 */
final class CnnReconstruction {
    static final int CHUNK = 256;

    private CnnReconstruction() {
    }

    /** The work done on one unit of the walk. */
    interface UnitStep {
        /**
         * Quantizes the layers of {@code unit}, recording each new weight with {@link State#put}.
         *
         * @param root     manager of the walk; arrays that must outlive the unit belong here
         * @param k        index of the unit in forward order
         * @param unit     the unit
         * @param fpBefore the FP32 activation entering the unit before its pooling (the images for {@code k = 0})
         * @param inF      the unit's input in the FP32 model
         * @param inQ      the unit's input in the model quantized so far
         * @param outF     the unit's FP32 output on {@code inF}
         * @param fpOps    the FP32 weights
         * @param state    the weights replaced so far
         */
        void apply(NDManager root, int k, CnnNetwork.Unit unit, NDArray fpBefore, NDArray inF, NDArray inQ,
                NDArray outF, CnnOps fpOps, State state);
    }

    /** The weights of the model quantized so far: arrays of the walk's manager and the replaced tensors. */
    static final class State {
        private final NDManager root;
        private final Map<String, NDArray> current;
        private final Map<String, WeightTensor> replaced = new LinkedHashMap<>();

        private State(NDManager root, Map<String, NDArray> params) {
            this.root = root;
            this.current = new HashMap<>(params);
        }

        /** Replaces the named layers' weights. */
        void put(List<String> names, List<WeightTensor> weights) {
            for (int i = 0; i < names.size(); i++) {
                current.put(names.get(i) + ".weight", CnnRunner.toNd(root, weights.get(i)));
                replaced.put(names.get(i), weights.get(i));
            }
        }

        /** The network's operations with the current (BN-folded) weights. */
        CnnOps ops() {
            return CnnOps.folded(current);
        }
    }

    /**
     * Runs {@code step} on every unit of {@code model} in forward order with {@code threads} libtorch threads, on
     * all of {@code images}, and returns the weights it replaced (forward order).
     */
    static Map<String, WeightTensor> walk(CnnModel model, FashionMnist images, int threads, UnitStep step) {
        CnnNetwork net = model.network();
        Djl.threads(threads);
        try (CnnRunner fp = model.open(); NDManager root = fp.manager().newSubManager()) {
            State state = new State(root, fp.params());
            CnnOps fpOps = fp.ops();
            NDArray xf = ImageBatches.images(images, root, 0, images.size());
            NDArray xq = xf;
            List<CnnNetwork.Unit> units = net.units();
            for (int k = 0; k < units.size(); k++) {
                CnnNetwork.Unit unit = units.get(k);
                NDArray inF = unit.input(xf);
                NDArray inQ = unit.input(xq);
                NDArray outF = chunked(root, inF, x -> unit.forward().apply(fpOps, x));
                step.apply(root, k, unit, xf, inF, inQ, outF, fpOps, state);
                CnnOps qOps = state.ops();
                NDArray nextQ = chunked(root, inQ, x -> unit.forward().apply(qOps, x));
                if (xq != xf) {
                    xq.close();
                }
                xf.close();
                xf = outF;
                xq = nextQ;
            }
            return state.replaced;
        }
    }

    /**
     * The first {@code options.calibrationSamples()} of {@code images} (all when there are fewer).
     *
     * @throws IllegalArgumentException if {@code images} is empty
     */
    static FashionMnist calibrationImages(FashionMnist images, ReconstructionOptions options) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(options, "options");
        if (images.size() == 0) {
            throw new IllegalArgumentException("no calibration images");
        }
        int n = Math.min(images.size(), options.calibrationSamples());
        return n == images.size() ? images : images.head(n);
    }

    /** The FP32 (BN-folded) weight of every layer, forward order. */
    static Map<String, WeightTensor> weights(CnnModel model) {
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        for (Layer l : model.layers()) {
            w.put(l.name(), l.weight());
        }
        return w;
    }

    /** The BN-folded bias of every layer. */
    static Map<String, WeightTensor> biases(CnnModel model) {
        Map<String, WeightTensor> b = new HashMap<>();
        var folded = model.folded();
        for (Layer l : model.layers()) {
            b.put(l.name(), folded.get(l.name() + ".bias"));
        }
        return b;
    }

    /** The quantization of {@code layer} under {@code plan}. */
    static QuantSpec spec(BitPlan plan, String layer) {
        return new QuantSpec(plan.bitsOf(layer), plan.scheme(), plan.granularity());
    }

    /**
     * Learned rounding of one layer or block.
     *
     * @param result  the learned weights and nearest codes
     * @param nearest reconstruction loss on all calibration images with nearest rounding (same scales)
     * @param learned the same with the learned rounding
     */
    record Outcome(LearnedRounding.Result result, double nearest, double learned) {
    }

    /**
     * Learns the rounding of the layers {@code names} (weights {@code ws}, scales {@code qs}) so that
     * {@code forward} on {@code in} matches {@code target}, optionally Fisher-weighted, with {@code options} but
     * {@code seed}; the arrays it makes live in a sub-manager of {@code root}.
     */
    static Outcome optimise(NDManager root, List<String> names, CnnNetwork.UnitForward forward,
            Map<String, WeightTensor> biases, List<WeightTensor> ws, List<QParams> qs, NDArray in, NDArray target,
            NDArray fisherWeights, ReconstructionOptions options, long seed, Progress progress, String task) {
        return optimise(root, names, (UnitReconstruction.ParamForward) (p, x) -> forward.apply(CnnOps.folded(p), x),
                biases, ws, qs, in, target, fisherWeights, options, seed, progress, task);
    }

    /** {@link #optimise(NDManager, List, CnnNetwork.UnitForward, Map, List, List, NDArray, NDArray, NDArray,
     * ReconstructionOptions, long, Progress, String)} for a piece computed straight from its parameters (an ONNX
     * convolution). */
    static Outcome optimise(NDManager root, List<String> names, UnitReconstruction.ParamForward forward,
            Map<String, WeightTensor> biases, List<WeightTensor> ws, List<QParams> qs, NDArray in, NDArray target,
            NDArray fisherWeights, ReconstructionOptions options, long seed, Progress progress, String task) {
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

    /** {@code learned / nearest − 1}, 0 when nearest rounding is exact. */
    static double lossChange(double nearest, double learned) {
        return nearest > 0 ? learned / nearest - 1 : 0;
    }

    /**
     * The log line of one layer or block: {@code "<method> i/n <name> int<bits>: <it> it in <s> s (<it/s>), recon
     * loss nearest <a> → <b> (<change>), <f> rounded away from nearest"}.
     */
    static String logLine(String method, int i, int n, String name, List<Integer> bits, int iterations, Outcome o,
            double seconds, boolean fisherWeighted) {
        return String.format(Locale.ROOT, "%s %d/%d %s %s: %d it in %.1f s (%.0f it/s), recon loss%s nearest"
                        + " %.4g → %.4g (%+.1f%%), %.1f%% rounded away from nearest", method, i, n, name,
                bitsLabel(bits), iterations, seconds, o.result().iterationsPerSecond(),
                fisherWeighted ? " (Fisher-weighted)" : "", o.nearest(), o.learned(),
                100 * lossChange(o.nearest(), o.learned()), 100 * o.result().flippedFraction());
    }

    private static String bitsLabel(List<Integer> bits) {
        return bits.stream().distinct().count() == 1 ? "int" + bits.get(0)
                : "int" + String.join("/", bits.stream().map(String::valueOf).toList());
    }

    /**
     * Applies {@code f} to {@code x} in chunks of {@value #CHUNK} samples (no gradient) and returns the concatenated
     * result as an array of {@code root}; the temporaries of each chunk are freed.
     */
    static NDArray chunked(NDManager root, NDArray x, UnaryOperator<NDArray> f) {
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
}
