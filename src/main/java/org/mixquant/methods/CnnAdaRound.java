package org.mixquant.methods;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.model.LayerSite;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.QParams;
import org.mixquant.tensor.WeightTensor;

/**
 * {@link AdaRound} on a Fashion-MNIST CNN: each layer, in forward order, on its own output after the activation that
 * directly follows it ({@link AdaRound#layerForward}); inputs from the model whose earlier layers are already
 * quantized, targets from the FP32 model, both on the calibration images.
 */
final class CnnAdaRound {
    private CnnAdaRound() {
    }

    /** {@code "adaround (layer reconstruction, <n> calibration images): <options>"}. */
    static String describe(FashionMnist images, ReconstructionOptions options) {
        return "adaround (layer reconstruction, " + images.size() + " calibration images): "
                + options.describe("layer", false);
    }

    /**
     * Quantizes every layer of {@code model} with the bits of {@code plan}.
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers
     */
    static AdaRound.Report run(CnnModel model, BitPlan plan, FashionMnist images, ReconstructionOptions options,
            Progress progress, Consumer<String> log) {
        plan.validateFor(model.layerNames());
        long t0 = System.nanoTime();
        CnnNetwork net = model.network();
        Map<String, WeightTensor> fpWeights = CnnReconstruction.weights(model);
        Map<String, WeightTensor> biases = CnnReconstruction.biases(model);
        String settings = describe(images, options);
        log.accept(settings);
        List<AdaRound.LayerReport> reports = new ArrayList<>();
        int total = model.layers().size();
        Map<String, WeightTensor> replaced = CnnReconstruction.walk(model, images, options.threads(),
                (root, k, unit, fpBefore, inF, inQ, outF, fpOps, state) -> {
                    // FP32 targets of every layer of the unit from one pass over the FP32 unit input; only the
                    // quantized-model inputs change as the unit's layers are quantized one after another
                    Map<String, NDArray> fpIn = captureLayerInputs(root, unit, unit.layers(), inF, fpOps);
                    Map<String, NDArray> targets = new HashMap<>();
                    for (String l : unit.layers()) {
                        CnnNetwork.UnitForward f = AdaRound.layerForward(net, l);
                        NDArray in = fpIn.get(l);
                        targets.put(l, CnnReconstruction.chunked(root, in, x -> f.apply(fpOps, x)));
                        in.close();
                    }
                    for (String l : unit.layers()) {
                        long u0 = System.nanoTime();
                        int done = reports.size();
                        CnnNetwork.UnitForward layerForward = AdaRound.layerForward(net, l);
                        NDArray lq = captureLayerInputs(root, unit, List.of(l), inQ, state.ops()).get(l);
                        NDArray tf = targets.get(l);
                        WeightTensor w = fpWeights.get(l);
                        QParams q = LpScaleSearch.choose(w, CnnReconstruction.spec(plan, l));
                        CnnReconstruction.Outcome o = CnnReconstruction.optimise(root, List.of(l), layerForward,
                                biases, List.of(w), List.of(q), lq, tf, null, options,
                                options.seed() * 1_000_003L + done, progress, l);
                        state.put(List.of(l), o.result().weights());
                        lq.close();
                        tf.close();
                        double secs = (System.nanoTime() - u0) / 1e9;
                        int bits = plan.bitsOf(l);
                        reports.add(new AdaRound.LayerReport(l, bits, images.size(),
                                activation(net.activationAfter(l)), o.nearest(), o.learned(),
                                o.result().flippedFraction(), secs, o.result().iterationsPerSecond()));
                        log.accept(CnnReconstruction.logLine("adaround", done + 1, total, l, List.of(bits),
                                options.iterations(), o, secs, false));
                    }
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "adaround: done in %.1f s", secs));
        CnnModel out = model.withWeights(replaced);
        return new AdaRound.Report(new QuantizedModel(out, plan, "adaround-" + plan.scheme().cliName(), secs),
                List.copyOf(reports), settings);
    }

    private static LayerSite.Activation activation(CnnNetwork.Act act) {
        return switch (act) {
            case NONE -> LayerSite.Activation.IDENTITY;
            case RELU -> LayerSite.Activation.RELU;
            case RELU6 -> LayerSite.Activation.RELU6;
        };
    }

    /**
     * The inputs of {@code layers} when {@code unit} runs on {@code unitInput} with {@code ops}: one pass, in chunks of
     * {@value CnnReconstruction#CHUNK} samples, each layer's input concatenated into an array of {@code root}.
     */
    static Map<String, NDArray> captureLayerInputs(NDManager root, CnnNetwork.Unit unit, List<String> layers,
            NDArray unitInput, CnnOps ops) {
        Map<String, NDList> parts = new HashMap<>();
        for (String l : layers) {
            parts.put(l, new NDList());
        }
        CnnOps rec = CnnOps.recording(ops, Set.copyOf(layers), (name, x) -> parts.get(name).add(x));
        long n = unitInput.getShape().get(0);
        int chunk = CnnReconstruction.CHUNK;
        Map<String, NDArray> out = new HashMap<>();
        try (NDManager tmp = root.newSubManager()) {
            for (long from = 0; from < n; from += chunk) {
                long to = Math.min(n, from + chunk);
                unit.forward().apply(rec, unitInput.get(tmp, new NDIndex(from + ":" + to)));
            }
            for (String l : layers) {
                NDList p = parts.get(l);
                if (p.size() != (n + chunk - 1) / chunk) {
                    throw new IllegalStateException("unit " + unit.name() + " did not run layer " + l + " once per"
                            + " chunk");
                }
                out.put(l, UnitReconstruction.copyTo(p.size() == 1 ? p.get(0) : NDArrays.concat(p), root));
            }
        }
        return out;
    }
}
