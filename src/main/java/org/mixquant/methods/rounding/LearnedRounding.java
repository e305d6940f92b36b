package org.mixquant.methods.rounding;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mixquant.model.Djl;
import org.mixquant.quant.QParams;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.SoftRounding;
import org.mixquant.methods.rounding.RoundingSchedule;
import org.mixquant.methods.rounding.TorchAdam;

/**
 * The one optimisation loop of learned rounding, shared by layer-wise AdaRound and block-wise BRECQ: they differ only
 * in the {@link Reconstruction} they pass (one layer's output, or a block's output from all of its layers' soft
 * weights).
 *
 * <p>Per step {@code t = 1..T} (see {@link RoundingSchedule}): draw a mini-batch of {@code batchSize} distinct samples
 * ({@link #batches}); compute every layer's soft weights ({@link SoftRounding}); loss = reconstruction +
 * {@code λ·Σ_layers Σ(1 − |2h − 1|^β(t))} once {@code t ≥ warmup·T} (reconstruction only before); back-propagate
 * to α with DJL autograd (PyTorch engine); one Adam step on α only ({@link TorchAdam}, lr 1e-3 by default); zero the
 * gradients. Each step's temporaries live in a sub-manager that is closed at the end of the step (the loop's own
 * manager is capped once α and the Adam state exist, so an array that would outlive its step throws). After the last
 * step every layer is hard-rounded ({@code ⌊w/s⌋ + [α ≥ 0]}).
 *
 * <p>Deterministic: the mini-batch order is drawn from {@code java.util.Random(seed)}, so the same inputs, seed and
 * libtorch thread count give bit-identical weights.
 *
 * <p><b>No number operands under autograd.</b> DJL's PyTorch engine runs {@code x.mul(2f)}, {@code x.pow(β)} and the
 * like by wrapping the number in a tensor over a Java direct buffer ({@code torch::from_blob}, not copied) and
 * closing it right after the operation; the autograd graph still points at that memory to compute the backward pass,
 * and once the garbage collector frees the buffer, backward reads garbage. We saw exactly that: run-to-run
 * differences and NaN losses after a few hundred steps. Every constant in a differentiated expression is therefore
 * an array created in the step's (or a longer-lived) manager, e.g. {@code x.mul(step.create(2f))}, which stays alive
 * until the step is closed. {@link Reconstruction} implementations must follow the same rule.
 */
public final class LearnedRounding {
    private LearnedRounding() {
    }

    /**
     * The outcome of one optimisation.
     *
     * @param weights        hard-rounded weights, one per input layer, same shapes and axes
     * @param codes          their integer codes ({@code q}, row-major)
     * @param nearestCodes   the codes of the starting point (rounding to nearest with the same scales)
     * @param loss           total loss per step (index {@code t - 1})
     * @param reconstruction reconstruction part per step
     * @param regulariser    regulariser part per step, times λ (0 during warm-up)
     * @param seconds        wall time of the steps (without setting up or hard rounding)
     */
    public record Result(List<WeightTensor> weights, List<int[]> codes, List<int[]> nearestCodes, float[] loss,
            float[] reconstruction, float[] regulariser, double seconds) {
        /** Steps per second. */
        public double iterationsPerSecond() {
            return seconds > 0 ? loss.length / seconds : Double.POSITIVE_INFINITY;
        }

        /** Fraction of weights (all layers) whose code differs from rounding to nearest. */
        public double flippedFraction() {
            long diff = 0;
            long n = 0;
            for (int l = 0; l < codes.size(); l++) {
                int[] a = codes.get(l);
                int[] b = nearestCodes.get(l);
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != b[i]) {
                        diff++;
                    }
                }
                n += a.length;
            }
            return n == 0 ? 0 : diff / (double) n;
        }
    }

    /**
     * Optimises the rounding of {@code weights} (with their chosen {@code qparams}) to minimise {@code objective}.
     *
     * @param parent    manager under which the loop opens its own (closed before returning)
     * @param weights   the layers' FP32 weights, in the order {@code objective} expects them
     * @param qparams   their scales and zero-points (e.g. {@link LpScaleSearch#choose})
     * @param alphaInit starting α per layer (each {@code null} for the fractional-part initialisation), or
     *                  {@code null} for all
     * @param objective the reconstruction loss
     * @param options   iterations, λ, schedule, learning rate, batch size, seed, threads
     * @param progress  told {@code (task, step, iterations)} every 50 steps and at the end; may be
     *                  {@link Progress#NONE}
     * @param task      name for {@code progress}, e.g. the layer name
     * @throws IllegalArgumentException if the lists do not match, or {@code options.iterations()} is 0
     */
    public static Result run(NDManager parent, List<WeightTensor> weights, List<QParams> qparams,
            List<float[]> alphaInit, Reconstruction objective, ReconstructionOptions options, Progress progress,
            String task) {
        if (weights.isEmpty() || weights.size() != qparams.size()
                || (alphaInit != null && alphaInit.size() != weights.size())) {
            throw new IllegalArgumentException("need one QParams (and α, if given) per weight, got " + weights.size()
                    + " weights, " + qparams.size() + " qparams");
        }
        RoundingSchedule schedule = options.schedule();
        int iterations = schedule.iterations();
        Engine engine = Djl.engine();
        Djl.threads(options.threads());
        float lambda = (float) options.lambda();
        float[] loss = new float[iterations];
        float[] rec = new float[iterations];
        float[] reg = new float[iterations];
        int[][] order = batches(objective.samples(), options.batchSize(), iterations, options.seed());
        try (NDManager root = parent.newSubManager()) {
            List<SoftRounding> vars = new ArrayList<>();
            List<NDArray> alphas = new ArrayList<>();
            List<NDArray> longLived = new ArrayList<>();
            for (int l = 0; l < weights.size(); l++) {
                SoftRounding r = SoftRounding.create(root, weights.get(l), qparams.get(l),
                        alphaInit == null ? null : alphaInit.get(l));
                vars.add(r);
                alphas.add(r.alpha());
                longLived.addAll(r.arrays());
            }
            TorchAdam adam = new TorchAdam(root, alphas, options.learningRate());
            longLived.addAll(adam.arrays());
            NDArray[] attach = longLived.toArray(new NDArray[0]);
            root.cap(); // from here on, an array left in root (a leak out of a step) throws
            long t0 = System.nanoTime();
            for (int t = 1; t <= iterations; t++) {
                try (NDManager step = root.newSubManager()) {
                    step.tempAttachAll(attach);
                    NDArray total;
                    NDArray recLoss;
                    NDArray regLoss = null;
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        List<NDArray> soft = new ArrayList<>(vars.size());
                        List<NDArray> hs = new ArrayList<>(vars.size());
                        for (SoftRounding r : vars) {
                            NDArray h = r.rectifiedSigmoid();
                            hs.add(h);
                            soft.add(r.softWeight(h));
                        }
                        recLoss = objective.loss(step, soft, order[t - 1]);
                        total = recLoss;
                        if (schedule.regularised(t)) {
                            double beta = schedule.beta(t);
                            for (NDArray h : hs) {
                                NDArray part = SoftRounding.regulariser(h, beta).mul(step.create(lambda));
                                regLoss = regLoss == null ? part : regLoss.add(part);
                            }
                            total = recLoss.add(regLoss);
                        }
                        gc.backward(total);
                    }
                    adam.step(step);
                    loss[t - 1] = total.getFloat();
                    rec[t - 1] = recLoss.getFloat();
                    reg[t - 1] = regLoss == null ? 0f : regLoss.getFloat();
                }
                if (t % 50 == 0 || t == iterations) {
                    progress.update(task, t, iterations);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<WeightTensor> hard = new ArrayList<>();
            List<int[]> codes = new ArrayList<>();
            List<int[]> nearest = new ArrayList<>();
            for (SoftRounding r : vars) {
                int[] c = r.hardCodes();
                codes.add(c);
                nearest.add(r.nearestCodes());
                hard.add(SoftRounding.dequantize(r.weight(), r.qparams(), c));
            }
            return new Result(List.copyOf(hard), List.copyOf(codes), List.copyOf(nearest), loss, rec, reg, seconds);
        }
    }

    /**
     * The mini-batches of a run: for each step, {@code min(batchSize, samples)} distinct sample indices, the first
     * ones of a partial Fisher–Yates shuffle drawn from {@code new Random(seed)} (the analogue of BRECQ's
     * {@code torch.randperm(n)[:batch_size]}).
     *
     * @return {@code iterations} arrays of indices in {@code 0 .. samples-1}
     */
    public static int[][] batches(int samples, int batchSize, int iterations, long seed) {
        if (samples < 1) {
            throw new IllegalArgumentException("no calibration samples to draw batches from");
        }
        int b = Math.min(batchSize, samples);
        Random rnd = new Random(seed);
        int[] perm = new int[samples];
        int[][] out = new int[iterations][];
        for (int t = 0; t < iterations; t++) {
            for (int i = 0; i < samples; i++) {
                perm[i] = i;
            }
            int[] batch = new int[b];
            for (int i = 0; i < b; i++) {
                int j = i + rnd.nextInt(samples - i);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
                batch[i] = perm[i];
            }
            out[t] = batch;
        }
        return out;
    }
}
