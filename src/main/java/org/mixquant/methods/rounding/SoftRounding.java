package org.mixquant.methods.rounding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.mixquant.quant.QParams;
import org.mixquant.tensor.WeightTensor;

/**
 * AdaRound's learnable rounding of one weight tensor (Nagel et al., 2020; as yhhhli/BRECQ
 * {@code quant/adaptive_rounding.py}), on DJL NDArrays with autograd.
 *
 * <ul>
 *   <li>rectified sigmoid {@code h(α) = clamp(σ(α)·(ζ − γ) + γ, 0, 1)}, {@code γ = −0.1}, {@code ζ = 1.1};</li>
 *   <li>soft weights {@code ŵ = s·(clamp(⌊w/s⌋ + h(α) + zp, qmin, qmax) − zp)}, {@code s} and {@code zp} per output
 *       channel (broadcast along the tensor's channel axis; per-group: one value per weight, its group's), {@code w/s} a
 *       float32 division;</li>
 *   <li>α starts where {@code h(α) = w/s − ⌊w/s⌋}, the fractional part:
 *       {@code α₀ = −ln((ζ − γ)/(frac − γ) − 1)}, so the first soft weights equal {@code w} up to float rounding
 *       (inside the grid);</li>
 *   <li>regulariser {@code Σ(1 − |2h − 1|^β)} (times λ, by the caller), which pushes every {@code h} to 0 or 1;</li>
 *   <li>hard rounding at the end {@code q = clamp(⌊w/s⌋ + [α ≥ 0] + zp, qmin, qmax)}, {@code ŵ = (q − zp)·s}.</li>
 * </ul>
 *
 * <p>Only α requires a gradient. All arrays live in the manager given to {@link #create}, including the constants
 * ζ − γ and γ as arrays; operations on them put their results in the manager of their first operand, so the
 * optimisation loop temporarily attaches {@link #arrays()} to its per-step manager (see {@link LearnedRounding}).
 */
public final class SoftRounding {
    /** Lower stretch of the rectified sigmoid, γ. */
    public static final float GAMMA = -0.1f;
    /** Upper stretch of the rectified sigmoid, ζ. */
    public static final float ZETA = 1.1f;
    /** {@code ζ − γ} rounded to float32 from the double difference, as PyTorch turns the Python scalar into one. */
    static final float STRETCH = (float) (1.1 - (-0.1));

    private final WeightTensor weight;
    private final QParams qparams;
    private final float[] floor;
    private final float[] alpha0;
    private final NDArray floorNd;
    private final NDArray scaleNd;
    private final NDArray zeroPointNd;
    private final NDArray alpha;
    private final NDArray stretchNd;
    private final NDArray gammaNd;

    private SoftRounding(WeightTensor weight, QParams qparams, float[] floor, float[] alpha0, NDArray floorNd,
            NDArray scaleNd, NDArray zeroPointNd, NDArray alpha, NDArray stretchNd, NDArray gammaNd) {
        this.weight = weight;
        this.qparams = qparams;
        this.floor = floor;
        this.alpha0 = alpha0;
        this.floorNd = floorNd;
        this.scaleNd = scaleNd;
        this.zeroPointNd = zeroPointNd;
        this.alpha = alpha;
        this.stretchNd = stretchNd;
        this.gammaNd = gammaNd;
    }

    /**
     * The rounding variables of {@code w} with the chosen parameters {@code q} (e.g. from {@link LpScaleSearch}),
     * α initialised to the fractional parts.
     *
     * @param manager owns the arrays (closing it frees them)
     * @throws IllegalArgumentException if {@code q} does not {@linkplain QParams#checkFits fit} {@code w}
     */
    public static SoftRounding create(NDManager manager, WeightTensor w, QParams q) {
        return create(manager, w, q, null);
    }

    /**
     * Like {@link #create(NDManager, WeightTensor, QParams)} but starting from the given α (length
     * {@code w.size()}, row-major like {@code w}), e.g. to resume or to compare with a reference run.
     */
    public static SoftRounding create(NDManager manager, WeightTensor w, QParams q, float[] alphaStart) {
        q.checkFits(w);
        boolean perTensor = q.count() == 1;
        if (alphaStart != null && alphaStart.length != w.size()) {
            throw new IllegalArgumentException("α has " + alphaStart.length + " values, tensor has " + w.size());
        }
        float[] x = w.unsafeData();
        float[] fl = new float[x.length];
        float[] a0 = new float[x.length];
        double range = 1.1 - (-0.1);
        for (int i = 0; i < x.length; i++) {
            float v = x[i] / q.scale(q.indexOf(w, i));
            float f = (float) Math.floor(v);
            fl[i] = f;
            float rest = v - f;
            a0[i] = (float) -Math.log(range / (rest - (-0.1)) - 1);
        }
        if (alphaStart != null) {
            System.arraycopy(alphaStart, 0, a0, 0, a0.length);
        }
        Shape shape = new Shape(java.util.Arrays.stream(w.shape()).asLongStream().toArray());
        long[] bdims = new long[w.shape().length];
        java.util.Arrays.fill(bdims, 1);
        float[] scales;
        float[] zp;
        Shape paramShape;
        if (q.groups() > 1) { // per-group: every weight gets its group's scale and zero-point
            scales = q.perElementScales(w);
            int[] z = q.perElementZeroPoints(w);
            zp = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                zp[i] = z[i];
            }
            paramShape = shape;
        } else {
            if (!perTensor) {
                bdims[w.channelAxis()] = w.channels();
            }
            scales = q.scales();
            zp = new float[q.count()];
            for (int c = 0; c < zp.length; c++) {
                zp[c] = q.zeroPoint(c);
            }
            paramShape = new Shape(bdims);
        }
        NDArray floorNd = manager.create(fl, shape);
        NDArray scaleNd = manager.create(scales, paramShape);
        NDArray zpNd = manager.create(zp, paramShape);
        NDArray alpha = manager.create(a0, shape);
        alpha.setRequiresGradient(true);
        return new SoftRounding(w, q, fl, a0, floorNd, scaleNd, zpNd, alpha, manager.create(STRETCH),
                manager.create(GAMMA));
    }

    /** The original (FP32) weights. */
    public WeightTensor weight() {
        return weight;
    }

    /** The scales and zero-points. */
    public QParams qparams() {
        return qparams;
    }

    /** The learnable α (requires a gradient; updated in place by the optimiser). */
    public NDArray alpha() {
        return alpha;
    }

    /** A copy of the starting α. */
    public float[] initialAlpha() {
        return alpha0.clone();
    }

    /** Every array this object owns, for {@code NDManager.tempAttachAll} in a step. */
    public List<NDArray> arrays() {
        return List.of(floorNd, scaleNd, zeroPointNd, alpha, stretchNd, gammaNd);
    }

    /** {@code h(α) = clamp(σ(α)·(ζ − γ) + γ, 0, 1)}, elementwise, shaped like the weight. */
    public NDArray rectifiedSigmoid() {
        return alpha.getNDArrayInternal().sigmoid().mul(stretchNd).add(gammaNd).clip(0f, 1f);
    }

    /** The soft weights {@code s·(clamp(⌊w/s⌋ + h + zp, qmin, qmax) − zp)} for {@code h = rectifiedSigmoid()}. */
    public NDArray softWeight(NDArray h) {
        float qmin = qparams.spec().qmin();
        float qmax = qparams.spec().qmax();
        return floorNd.add(h).add(zeroPointNd).clip(qmin, qmax).sub(zeroPointNd).mul(scaleNd);
    }

    /** The soft weights at the current α. */
    public NDArray softWeight() {
        return softWeight(rectifiedSigmoid());
    }

    /**
     * {@code Σ(1 − |2h − 1|^β)} over all weights, a scalar, for {@code h = rectifiedSigmoid()}. The constants are
     * arrays in {@code h}'s manager (see {@link LearnedRounding} on why not {@code mul(2f)}); β is rounded to float32,
     * as PyTorch does with a Python float exponent.
     */
    public static NDArray regulariser(NDArray h, double beta) {
        NDManager m = h.getManager();
        return h.sub(m.create(0.5f)).abs().mul(m.create(2f)).pow(m.create((float) beta)).neg().add(m.create(1f))
                .sum();
    }

    /** Integer codes of hard rounding {@code clamp(⌊w/s⌋ + [α ≥ 0] + zp, qmin, qmax)} at the current α. */
    public int[] hardCodes() {
        float[] a = alpha.toFloatArray();
        int qmin = qparams.spec().qmin();
        int qmax = qparams.spec().qmax();
        int[] codes = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            int c = qparams.indexOf(weight, i);
            int q = (int) floor[i] + (a[i] >= 0f ? 1 : 0) + qparams.zeroPoint(c);
            codes[i] = Math.min(Math.max(q, qmin), qmax);
        }
        return codes;
    }

    /** The hard-rounded weights {@code (q − zp)·s} at the current α, as a new tensor (same shape and axis). */
    public WeightTensor hardWeight() {
        return dequantize(weight, qparams, hardCodes());
    }

    /** {@code (q − zp)·s} in float32 for codes of {@code shapeOf}'s layout. */
    public static WeightTensor dequantize(WeightTensor shapeOf, QParams q, int[] codes) {
        q.checkFits(shapeOf);
        float[] out = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            int c = q.indexOf(shapeOf, i);
            out[i] = (float) (codes[i] - q.zeroPoint(c)) * q.scale(c);
        }
        return WeightTensor.wrap(out, shapeOf.shape(), shapeOf.channelAxis());
    }

    /** Integer codes of round-to-nearest {@code clamp(⌊w/s⌋ + [frac ≥ 0.5] + zp, qmin, qmax)}, i.e. at α₀. */
    public int[] nearestCodes() {
        int qmin = qparams.spec().qmin();
        int qmax = qparams.spec().qmax();
        int[] codes = new int[alpha0.length];
        for (int i = 0; i < codes.length; i++) {
            int c = qparams.indexOf(weight, i);
            int q = (int) floor[i] + (alpha0[i] >= 0f ? 1 : 0) + qparams.zeroPoint(c);
            codes[i] = Math.min(Math.max(q, qmin), qmax);
        }
        return codes;
    }
}
