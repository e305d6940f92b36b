package org.mixquant.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.mixquant.model.Djl;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * GPTQ on one linear map (Frantar et al., 2022, Algorithm 1, with the lazy batch updates and Cholesky reformulation of
 * the authors' {@code gptq.py}): quantizes the weight {@code W_t [out, in]} (rows = output channels, columns = input
 * dimension) column by column, each column's rounding error spread over the not yet quantized columns through the
 * inverse Hessian, so that {@code ‖X Ŵ_tᵀ − X W_tᵀ‖²} stays small for the calibration inputs {@code X [rows, in]}.
 *
 * <p>Steps, as the reference:
 * <ol>
 *   <li>{@code H = 2 XᵀX} in double ({@link #hessian}); without groups, the scales come from the original weights
 *       (min-max per output channel, or per tensor, with the toolkit's grid: DESIGN.md's formulas and
 *       {@link QParams#choose}, so codes are comparable with every other method);</li>
 *   <li>dead columns (H<sub>ii</sub> = 0: an input that is always 0) get H<sub>ii</sub> = 1 and weight 0;</li>
 *   <li>optional act-order: columns permuted by decreasing H<sub>ii</sub> (a stable sort);</li>
 *   <li>dampening {@code damp × mean(diag H)} on the diagonal; {@code U} = upper Cholesky factor of {@code H⁻¹}
 *       (EJML, double precision; the reference's Cholesky, inverse, Cholesky computed with one Cholesky
 *       factorisation and one triangular inverse, {@link #upperCholeskyOfInverse}). If a factorisation fails the
 *       dampening is multiplied by 10 (at most {@value #MAX_DAMP_RETRIES} times, each a warning), then it is an
 *       error: never NaN weights;</li>
 *   <li>column blocks of {@link GptqOptions#blockSize()}: inside a block each column is rounded to the grid, its
 *       error {@code e = (w − ŵ) / U_ii} updates the block's later columns ({@code w_j −= e U_ij}); after the block
 *       the remaining columns get the whole block's update at once ({@code W[:, i2:] −= E U[i1:i2, i2:]});</li>
 *   <li>groups ({@link GptqOptions#groupSize()}): each run of G input columns gets per-output-channel parameters,
 *       chosen when the loop reaches the group's first column from the weights as they are then — like the
 *       reference, from the main weight matrix, which holds the columns of the current block as they were at the
 *       block's start (the in-block updates live in the block copy) — or, with static groups, all up front from
 *       the original weights (dead columns zeroed).</li>
 * </ol>
 * Output channels are independent given H, so rows are processed in tiles of {@value #TILE}, in parallel with
 * {@link GptqOptions#threads()}.
 *
 * <p>Linear algebra, chosen by speed (README, section GPTQ, has the measurements): {@code XᵀX} is a float64 matrix
 * product in libtorch through DJL (BLAS; EJML's {@code multInner} took 4× as long for 4096 × 1536 inputs); the
 * factorisations use EJML (maintained, pure Java, double), because DJL's NDArray has no Cholesky factorisation, only
 * a general inverse. {@code U} comes from one Cholesky factorisation and one triangular inverse
 * ({@link #upperCholeskyOfInverse}).
 */
public final class GptqLayer {
    /** Rows (output channels) per tile: each row of U is reused by this many rows while it is in cache. */
    static final int TILE = 32;
    /** How often a failed Cholesky factorisation is retried with 10× the dampening before giving up. */
    static final int MAX_DAMP_RETRIES = 4;

    private GptqLayer() {
    }

    /**
     * What GPTQ made of one layer.
     *
     * @param weights     dequantized weights {@code ŵ = (q − zp) × scale}, {@code [out, in]} row-major, original
     *                    column order
     * @param codes       integer codes {@code q}, same layout
     * @param dampFraction dampening used, as a fraction of the mean diagonal (larger than asked when a factorisation
     *                    needed more)
     * @param deadColumns input columns whose Hessian diagonal was 0
     * @param errorSum    GPTQ's own loss estimate {@code Σ (w − ŵ)² / U_ii² / 2}
     * @param warnings    what was adjusted (more dampening), one line each
     */
    public record Result(float[] weights, int[] codes, double dampFraction, int deadColumns, double errorSum,
            List<String> warnings) {
    }

    /**
     * {@code H = 2 XᵀX} of {@code rows × in} inputs {@code x} (row-major, not modified), in double.
     *
     * @return {@code in × in} row-major
     */
    public static double[] hessian(float[] x, int rows, int in) {
        if ((long) rows * in != x.length) {
            throw new IllegalArgumentException("inputs have " + x.length + " values, not " + rows + " × " + in);
        }
        try (NDManager m = Djl.engine().newBaseManager()) {
            NDArray xd = m.create(x, new Shape(rows, in)).toType(DataType.FLOAT64, false);
            return xd.transpose().dot(xd).mul(2.0).toDoubleArray();
        }
    }

    /**
     * Adds {@code 2 XᵀX} of more inputs into {@code h} (modified), for Hessians accumulated over several captures.
     */
    public static void addHessian(double[] h, float[] x, int rows, int in) {
        double[] more = hessian(x, rows, in);
        for (int i = 0; i < h.length; i++) {
            h[i] += more[i];
        }
    }

    /**
     * The layer loss {@code ‖X Ŵ_tᵀ − X W_tᵀ‖² = Σ_r δ_rᵀ (H/2) δ_r} with {@code δ = ŵ − w} per output channel, from
     * the undamped {@code H = 2XᵀX}. Arguments are not modified.
     */
    public static double layerLoss(float[] wt, float[] wq, int out, int in, double[] h) {
        if (wt.length != wq.length || (long) out * in != wt.length || (long) in * in != h.length) {
            throw new IllegalArgumentException("layer loss: sizes do not match " + out + " × " + in);
        }
        double[] d = new double[wt.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (double) wq[i] - wt[i];
        }
        try (NDManager m = Djl.engine().newBaseManager()) {
            NDArray dm = m.create(d, new Shape(out, in));
            NDArray hm = m.create(h, new Shape(in, in));
            return dm.dot(hm).mul(dm).sum().getDouble() / 2;
        }
    }

    /**
     * Runs GPTQ on {@code wt} ({@code out × in}, row-major, not modified) with the Hessian {@code h}
     * ({@code in × in}, {@code 2XᵀX}, not modified).
     *
     * @param spec bits and scheme; granularity per-channel or per-tensor (ignored with groups: groups are always per
     *             output channel)
     * @throws IllegalArgumentException if sizes do not match or {@code h} is not finite
     * @throws IllegalStateException    if H stays not positive definite after the extra dampening
     */
    public static Result solve(float[] wt, int out, int in, double[] h, QuantSpec spec, GptqOptions o) {
        if ((long) out * in != wt.length || (long) in * in != h.length) {
            throw new IllegalArgumentException("GPTQ: weight has " + wt.length + " values for " + out + " × " + in
                    + " and the Hessian " + h.length + " for " + in + " × " + in);
        }
        for (double v : h) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("GPTQ: the Hessian has a non-finite entry (non-finite"
                        + " calibration inputs?)");
            }
        }
        List<String> warnings = new ArrayList<>();
        double[] hm = h.clone();
        double[] w = new double[wt.length];
        for (int i = 0; i < wt.length; i++) {
            w[i] = wt[i];
        }
        // scales without groups: from the original weights, before dead columns are zeroed (as the reference)
        QParams whole = o.groupSize() > 0 ? null : QParams.choose(WeightTensor.wrap(wt.clone(), new int[] {out, in},
                0), spec);
        int dead = 0;
        for (int i = 0; i < in; i++) {
            if (hm[i * in + i] == 0) {
                hm[i * in + i] = 1;
                dead++;
                for (int r = 0; r < out; r++) {
                    w[r * in + i] = 0;
                }
            }
        }
        QuantSpec groupSpec = new QuantSpec(spec.bits(), spec.scheme(), Granularity.PER_CHANNEL);
        int g = o.groupSize();
        int groups = g > 0 ? (in + g - 1) / g : 0;
        QParams[] staticParams = null;
        if (g > 0 && o.staticGroups()) {
            staticParams = new QParams[groups];
            for (int k = 0; k < groups; k++) {
                staticParams[k] = groupParams(w, out, in, k * g, Math.min(in, (k + 1) * g), groupSpec);
            }
        }
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) {
            perm[i] = i;
        }
        if (o.actOrder()) {
            double[] diag = new double[in];
            for (int i = 0; i < in; i++) {
                diag[i] = hm[i * in + i];
            }
            perm = IntStream.range(0, in).boxed().sorted((a, b) -> Double.compare(diag[b], diag[a]))
                    .mapToInt(Integer::intValue).toArray();
            w = permuteColumns(w, out, in, perm);
            hm = permuteSymmetric(hm, in, perm);
        }
        double mean = 0;
        for (int i = 0; i < in; i++) {
            mean += hm[i * in + i];
        }
        mean /= in;
        double damp = o.damp();
        double[] u = null;
        for (int attempt = 0; attempt <= MAX_DAMP_RETRIES; attempt++) {
            u = upperCholeskyOfInverse(hm, in, damp * mean);
            if (u != null) {
                break;
            }
            if (attempt == MAX_DAMP_RETRIES) {
                throw new IllegalStateException(String.format(Locale.ROOT, "GPTQ: the Hessian (%d × %d) is not"
                        + " positive definite even with dampening %.3g of its mean diagonal; use more or"
                        + " different calibration data", in, in, damp));
            }
            double next = damp * 10;
            warnings.add(String.format(Locale.ROOT, "GPTQ: Cholesky factorisation failed with dampening %.3g of the"
                    + " mean diagonal; retrying with %.3g", damp, next));
            damp = next;
        }
        int[] codes = new int[wt.length];
        float[] wq = new float[wt.length];
        double[] loss = new double[(out + TILE - 1) / TILE];
        final double[] wp = w;
        final double[] up = u;
        final int[] pm = perm;
        final QParams[] sp = staticParams;
        int tiles = loss.length;
        Runnable all = () -> IntStream.range(0, tiles).parallel().forEach(t -> loss[t] = solveTile(wp, up, out, in,
                t * TILE, Math.min(out, (t + 1) * TILE), pm, whole, sp, groupSpec, o, codes, wq));
        if (o.threads() == 1 || tiles == 1) {
            for (int t = 0; t < tiles; t++) {
                loss[t] = solveTile(wp, up, out, in, t * TILE, Math.min(out, (t + 1) * TILE), pm, whole, sp,
                        groupSpec, o, codes, wq);
            }
        } else {
            ForkJoinPool pool = new ForkJoinPool(o.threads());
            try {
                pool.submit(all).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("GPTQ interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("GPTQ failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        for (float v : wq) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("GPTQ produced a non-finite weight; refusing to return it");
            }
        }
        double errorSum = Arrays.stream(loss).sum();
        return new Result(wq, codes, damp, dead, errorSum, List.copyOf(warnings));
    }

    /**
     * Rows {@code r0..r1} (one tile): the column loop. Writes codes and weights of those rows in original column
     * order; returns the tile's {@code Σ (w − ŵ)² / U_ii² / 2}.
     */
    private static double solveTile(double[] wAll, double[] u, int out, int in, int r0, int r1, int[] perm,
            QParams whole, QParams[] staticParams, QuantSpec groupSpec, GptqOptions o, int[] codes, float[] wq) {
        int t = r1 - r0;
        double[] w = Arrays.copyOfRange(wAll, r0 * in, r1 * in);
        int bs = Math.min(o.blockSize(), in);
        double[] w1 = new double[t * bs];
        double[] err = new double[t * bs];
        float[] scale = new float[t];
        int[] zp = new int[t];
        float qmin = groupSpec.qmin();
        float qmax = groupSpec.qmax();
        if (whole != null) {
            for (int r = 0; r < t; r++) {
                int c = whole.channels() == 1 ? 0 : r0 + r;
                scale[r] = whole.scale(c);
                zp[r] = whole.zeroPoint(c);
            }
        }
        int g = o.groupSize();
        double loss = 0;
        for (int i1 = 0; i1 < in; i1 += bs) {
            int i2 = Math.min(in, i1 + bs);
            int count = i2 - i1;
            for (int r = 0; r < t; r++) {
                System.arraycopy(w, r * in + i1, w1, r * bs, count);
            }
            for (int i = 0; i < count; i++) {
                int col = i1 + i;
                if (g > 0) {
                    if (staticParams != null) {
                        QParams p = staticParams[perm[col] / g];
                        for (int r = 0; r < t; r++) {
                            scale[r] = p.scale(r0 + r);
                            zp[r] = p.zeroPoint(r0 + r);
                        }
                    } else if (col % g == 0) {
                        QParams p = groupParams(w, t, in, col, Math.min(in, col + g), groupSpec);
                        for (int r = 0; r < t; r++) {
                            scale[r] = p.scale(r);
                            zp[r] = p.zeroPoint(r);
                        }
                    }
                }
                double d = u[col * in + col];
                int ub = col * in;
                for (int r = 0; r < t; r++) {
                    double wv = w1[r * bs + i];
                    float inv = 1f / scale[r];
                    float z = zp[r];
                    float q = (float) Math.rint((float) wv * inv) + z;
                    q = Math.min(Math.max(q, qmin), qmax);
                    float deq = (q - z) * scale[r];
                    int dst = (r0 + r) * in + perm[col];
                    codes[dst] = (int) q;
                    wq[dst] = deq;
                    double diff = wv - deq;
                    loss += diff * diff / (d * d) / 2;
                    double e = diff / d;
                    err[r * bs + i] = e;
                    int rb = r * bs;
                    for (int j = i + 1; j < count; j++) {
                        w1[rb + j] -= e * u[ub + i1 + j];
                    }
                }
            }
            // lazy batch update of the remaining columns: W[:, i2:] -= Err1 · U[i1:i2, i2:]
            if (i2 < in) {
                for (int k = 0; k < count; k++) {
                    int ub = (i1 + k) * in;
                    for (int r = 0; r < t; r++) {
                        double e = err[r * bs + k];
                        int wb = r * in;
                        for (int j = i2; j < in; j++) {
                            w[wb + j] -= e * u[ub + j];
                        }
                    }
                }
            }
        }
        return loss;
    }

    /** Per-row min-max parameters of columns {@code c0..c1} of the {@code rows × in} matrix {@code w}. */
    private static QParams groupParams(double[] w, int rows, int in, int c0, int c1, QuantSpec spec) {
        int len = c1 - c0;
        float[] part = new float[rows * len];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < len; j++) {
                part[r * len + j] = (float) w[r * in + c0 + j];
            }
        }
        return QParams.choose(WeightTensor.wrap(part, new int[] {rows, len}, 0), spec);
    }

    /**
     * The upper Cholesky factor {@code U} of {@code (H + λI)⁻¹} ({@code (H + λI)⁻¹ = UᵀU}), row-major; {@code null}
     * when a factorisation fails (not positive definite) or gives a non-finite value. {@code h} is not modified.
     */
    /**
     * The upper Cholesky factor {@code U} of {@code (H + λI)⁻¹} ({@code (H + λI)⁻¹ = UᵀU}), row-major; {@code null}
     * when the factorisation fails (not positive definite) or gives a non-finite value. {@code h} is not modified.
     *
     * <p>Computed without forming the inverse: with {@code P} the order-reversing permutation and {@code K} the lower
     * Cholesky factor of {@code P (H + λI) P}, {@code U = P K⁻¹ P} (then {@code UᵀU = P K⁻ᵀ K⁻¹ P = (H + λI)⁻¹}),
     * one Cholesky factorisation and one triangular inverse ({@code 2n³/3} flops) instead of the reference's
     * Cholesky, inverse and second Cholesky ({@code ≈ 2n³}); the same factor up to round-off.
     */
    static double[] upperCholeskyOfInverse(double[] h, int n, double lambda) {
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            int ri = n - 1 - i;
            for (int j = 0; j < n; j++) {
                a.data[i * n + j] = h[ri * n + (n - 1 - j)];
            }
            a.data[i * n + i] += lambda;
        }
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
        if (!chol.decompose(a)) {
            return null;
        }
        DMatrixRMaj k = chol.getT(null);
        for (int i = 0; i < n; i++) {
            double d = k.data[i * n + i];
            if (!(d > 0) || !Double.isFinite(d)) {
                return null;
            }
        }
        invertLowerInPlace(k.data, n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = k.data[(n - 1 - i) * n + (n - 1 - j)];
                if (!Double.isFinite(v)) {
                    return null;
                }
                u[i * n + j] = v;
            }
        }
        return u;
    }

    /**
     * Inverts the lower-triangular {@code n × n} row-major {@code l} in place (modified; the strict upper triangle is
     * ignored and left as is): row {@code i} of the inverse is {@code (e_i − Σ_{k<i} l_ik · row_k) / l_ii}, each term
     * an axpy over a contiguous row ({@code n³/6} multiply-adds, cache-friendly unlike a column-wise solve).
     */
    static void invertLowerInPlace(double[] l, int n) {
        double[] row = new double[n];
        for (int i = 0; i < n; i++) {
            int ib = i * n;
            java.util.Arrays.fill(row, 0, i + 1, 0.0);
            row[i] = 1;
            for (int k = 0; k < i; k++) {
                double f = l[ib + k];
                if (f == 0) {
                    continue;
                }
                int kb = k * n;
                for (int j = 0; j <= k; j++) {
                    row[j] -= f * l[kb + j];
                }
            }
            double d = l[ib + i];
            for (int j = 0; j <= i; j++) {
                l[ib + j] = row[j] / d;
            }
        }
    }

    private static double[] permuteColumns(double[] w, int rows, int in, int[] perm) {
        double[] p = new double[w.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < in; j++) {
                p[r * in + j] = w[r * in + perm[j]];
            }
        }
        return p;
    }

    private static double[] permuteSymmetric(double[] h, int n, int[] perm) {
        double[] p = new double[h.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                p[i * n + j] = h[perm[i] * n + perm[j]];
            }
        }
        return p;
    }
}
