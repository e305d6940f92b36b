package org.mixquant.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.ErrorSweep;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.quant.SweepKernel;
import org.mixquant.progress.Progress;

/**
 * Round-off error of every quantizable layer at every bit-width 2..8, for one scheme and granularity (min-max
 * scales). Immutable. All 7 × layers entries come from one pass over the weights ({@link ErrorSweep}).
 *
 * <p>Units: {@link #sse} is Σ(w − ŵ)² over a layer; {@link #mse} is that divided by the layer's weight count (the
 * paper's QE); {@link #relative} divides by Σw².
 */
public final class ErrorTable {
    /** Values per parallel task: large enough to amortise scheduling, small enough to balance two cores. */
    static final long TASK_VALUES = 1 << 16;

    private final String model;
    private final Scheme scheme;
    private final Granularity granularity;
    private final List<String> layers;
    private final long[] params;
    private final double[][] sse;
    private final double[] sumSquares;
    private final double seconds;

    private ErrorTable(String model, Scheme scheme, Granularity granularity, List<String> layers, long[] params,
            double[][] sse, double[] sumSquares, double seconds) {
        this.model = model;
        this.scheme = scheme;
        this.granularity = granularity;
        this.layers = layers;
        this.params = params;
        this.sse = sse;
        this.sumSquares = sumSquares;
        this.seconds = seconds;
    }

    /**
     * Sweeps every layer of {@code model} over bits 2..8.
     *
     * <p>Layers are swept in windows of consecutive layers, each window in parallel: a window holds any number of
     * {@link Layer#resident() resident} layers but at most one on-demand layer (e.g. of an ONNX model with external
     * data), whose weights are read when its window starts and dropped when it ends. The heap this method needs on
     * top of the model is so bounded by the largest on-demand layer plus a constant: 4 bytes per weight of that
     * layer, plus per channel 4 × 7 × 4 bytes of min-max parameters, plus 8 × 8 bytes per task (one task per
     * {@value #TASK_VALUES} weights), independent of the number of layers.
     *
     * @param threads  worker threads (≥ 1); results do not depend on it (partial sums are added in a fixed order)
     * @param progress told after each finished task, in weights swept out of {@link QuantizableModel#quantizableParams}
     */
    public static ErrorTable compute(QuantizableModel model, Scheme scheme, Granularity granularity, int threads,
            Progress progress) {
        return compute(model, scheme, granularity, threads, SweepKernel.forSweep(model.quantizableParams()),
                progress);
    }

    /**
     * As {@link #compute(QuantizableModel, Scheme, Granularity, int, Progress)} with a given sweep kernel (the
     * benchmark times both; the results agree to summation order, see {@link SweepKernel}).
     *
     * @throws IllegalStateException when {@code kernel} is not {@linkplain SweepKernel#available() available}
     */
    public static ErrorTable compute(QuantizableModel model, Scheme scheme, Granularity granularity, int threads,
            SweepKernel kernel, Progress progress) {
        kernel.require();
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        long t0 = System.nanoTime();
        List<Layer> ls = model.layers();
        int n = ls.size();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mixquant-sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            double[][] sse = new double[n][Bits.COUNT];
            double[] sq = new double[n];
            long totalValues = model.quantizableParams();
            AtomicLong done = new AtomicLong();
            for (int from = 0, to; from < n; from = to) {
                to = windowEnd(ls, from);
                sweepWindow(ls, from, to, scheme, granularity, kernel, pool, sse, sq, done, totalValues, progress);
            }
            List<String> names = new ArrayList<>(n);
            long[] params = new long[n];
            for (int i = 0; i < n; i++) {
                names.add(ls.get(i).name());
                params[i] = ls.get(i).params();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return new ErrorTable(model.source(), scheme, granularity, Collections.unmodifiableList(names), params,
                    sse, sq, secs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("error sweep interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("error sweep failed: " + c, c);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The end (exclusive) of the window of layers swept together from {@code from}: resident layers join freely
     * (their weights are in memory anyway), but a window holds at most one {@link Layer#resident() on-demand} layer,
     * so only one on-demand layer's values are on the heap at a time.
     */
    static int windowEnd(List<Layer> ls, int from) {
        boolean onDemand = false;
        int i = from;
        for (; i < ls.size(); i++) {
            if (!ls.get(i).resident()) {
                if (onDemand) {
                    break;
                }
                onDemand = true;
            }
        }
        return i;
    }

    /**
     * Sweeps layers {@code [from, to)} in parallel, adding their sums into rows {@code from..to-1}; progress counts
     * weights (each task reports its share of its layer's weights, the shares of a layer summing to its size).
     */
    private static void sweepWindow(List<Layer> ls, int from, int to, Scheme scheme, Granularity granularity,
            SweepKernel kernel, ExecutorService pool, double[][] sse, double[] sq, AtomicLong done, long totalValues, Progress progress)
            throws InterruptedException, ExecutionException {
        List<Future<ErrorSweep.Prepared>> prepared = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Layer l = ls.get(i);
            prepared.add(pool.submit(() -> ErrorSweep.prepare(l.weight(), scheme, granularity, kernel)));
        }
        List<ErrorSweep.Prepared> ps = new ArrayList<>();
        for (Future<ErrorSweep.Prepared> f : prepared) {
            ps.add(f.get());
        }
        List<Integer> taskLayer = new ArrayList<>();
        List<Future<double[]>> parts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ErrorSweep.Prepared p = ps.get(i - from);
            long perUnit = Math.max(1, p.count() / p.units());
            int step = (int) Math.max(1, TASK_VALUES / perUnit);
            long values = p.count();
            for (int u = 0; u < p.units(); u += step) {
                final int a = u;
                final int b = Math.min(p.units(), u + step);
                final long share = values * b / p.units() - values * a / p.units();
                taskLayer.add(i);
                parts.add(pool.submit(() -> {
                    double[] acc = new double[Bits.COUNT + 1];
                    ErrorSweep.accumulate(p, a, b, acc);
                    progress.update("error sweep", done.addAndGet(share), totalValues);
                    return acc;
                }));
            }
        }
        for (int t = 0; t < parts.size(); t++) {
            int i = taskLayer.get(t);
            double[] acc = parts.get(t).get();
            for (int k = 0; k < Bits.COUNT; k++) {
                sse[i][k] += acc[k];
            }
            sq[i] += acc[Bits.COUNT];
        }
    }

    /** Single-threaded, silent sweep. */
    public static ErrorTable compute(QuantizableModel model, Scheme scheme, Granularity granularity) {
        return compute(model, scheme, granularity, 1, Progress.NONE);
    }

    /**
     * A table from precomputed sums (for tests and for tables read back from files).
     *
     * @param sse        per layer, Σ(w−ŵ)² for bits 2..8
     * @param sumSquares per layer, Σw²
     */
    public static ErrorTable of(String model, Scheme scheme, Granularity granularity, List<String> layers,
            long[] params, double[][] sse, double[] sumSquares) {
        int n = layers.size();
        if (params.length != n || sse.length != n || sumSquares.length != n) {
            throw new IllegalArgumentException("need one params, sse row and sumSquares per layer");
        }
        double[][] copy = new double[n][];
        for (int i = 0; i < n; i++) {
            if (sse[i].length != Bits.COUNT) {
                throw new IllegalArgumentException("layer '" + layers.get(i) + "' needs " + Bits.COUNT
                        + " errors (bits 2..8)");
            }
            copy[i] = sse[i].clone();
        }
        return new ErrorTable(model, scheme, granularity, List.copyOf(layers), params.clone(), copy,
                sumSquares.clone(), 0);
    }

    /** Model source the table was computed for. */
    public String model() {
        return model;
    }

    /** Scheme of the min-max quantizer that was swept. */
    public Scheme scheme() {
        return scheme;
    }

    /** Granularity of the min-max quantizer that was swept. */
    public Granularity granularity() {
        return granularity;
    }

    /** Layer names in forward order. */
    public List<String> layers() {
        return layers;
    }

    /** Number of layers. */
    public int size() {
        return layers.size();
    }

    /** Index of a layer. */
    public int indexOf(String layer) {
        int i = layers.indexOf(layer);
        if (i < 0) {
            throw new IllegalArgumentException("no layer '" + layer + "' in the error table");
        }
        return i;
    }

    /** Number of weights of layer {@code i}. */
    public long params(int i) {
        return params[i];
    }

    /** Σ params over all layers. */
    public long totalParams() {
        long s = 0;
        for (long p : params) {
            s += p;
        }
        return s;
    }

    /** Σ(w − ŵ)² of layer {@code i} at {@code bits}. */
    public double sse(int i, int bits) {
        return sse[i][Bits.check(bits) - Bits.MIN];
    }

    /** QE = mean squared error of layer {@code i} at {@code bits}. */
    public double mse(int i, int bits) {
        return sse(i, bits) / params[i];
    }

    /** Relative error Σ(w−ŵ)²/Σw² of layer {@code i} at {@code bits} (0 for an all-zero layer). */
    public double relative(int i, int bits) {
        return sumSquares[i] == 0 ? 0 : sse(i, bits) / sumSquares[i];
    }

    /** QE(b)/QE(8) of layer {@code i}; 1 when QE(8) is 0 (the layer is exact at every width). */
    public double ratioTo8(int i, int bits) {
        double e8 = sse(i, Bits.MAX);
        return e8 == 0 ? 1 : sse(i, bits) / e8;
    }

    /** Σw² of layer {@code i}. */
    public double sumSquares(int i) {
        return sumSquares[i];
    }

    /** Wall time of the sweep in seconds (0 for tables made with {@link #of}). */
    public double seconds() {
        return seconds;
    }

    /** Layer name → weight count, in forward order. */
    public Map<String, Long> paramCounts() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            m.put(layers.get(i), params[i]);
        }
        return m;
    }

    /**
     * The step²/12 noise model's prediction of QE(b)/QE(8) for min-max scales: the squared ratio of the 8-bit grid's
     * span to the b-bit grid's, since the layer's own scale cancels. Asymmetric: ((2^8−1)/(2^b−1))²; symmetric
     * (restricted range): (127/(2^(b−1)−1))². Layers whose measured ratio follows it get the same bits from the paper's
     * rule.
     */
    public static double modelRatioTo8(Scheme scheme, int bits) {
        double r = (double) gridSpan(scheme, Bits.MAX) / gridSpan(scheme, Bits.check(bits));
        return r * r;
    }

    /** {@link #modelRatioTo8(Scheme, int)} for this table's scheme. */
    public double modelRatioTo8(int bits) {
        return modelRatioTo8(scheme, bits);
    }

    /** The formula of {@link #modelRatioTo8(Scheme, int)} as chart and table labels print it. */
    public static String modelRatioFormula(Scheme scheme) {
        return scheme == Scheme.SYMMETRIC ? "(127/(2^(b−1)−1))²" : "((2^8−1)/(2^b−1))²";
    }

    private static int gridSpan(Scheme scheme, int bits) {
        QuantSpec q = new QuantSpec(bits, scheme, Granularity.PER_TENSOR);
        return q.qmax() - q.qmin();
    }

    @Override
    public String toString() {
        return "ErrorTable[" + model + ", " + scheme + " " + granularity + ", " + layers.size() + " layers]";
    }
}
