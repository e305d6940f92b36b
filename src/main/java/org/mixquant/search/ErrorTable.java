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
     * @param threads  worker threads (≥ 1); results do not depend on it (partial sums are added in a fixed order)
     * @param progress told after each finished task
     */
    public static ErrorTable compute(QuantizableModel model, Scheme scheme, Granularity granularity, int threads,
            Progress progress) {
        return compute(model, scheme, granularity, threads, SweepKernel.preferred(), progress);
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
            List<Future<ErrorSweep.Prepared>> prepared = new ArrayList<>();
            for (Layer l : ls) {
                prepared.add(pool.submit(() -> ErrorSweep.prepare(l.weight(), scheme, granularity, kernel)));
            }
            List<Integer> taskLayer = new ArrayList<>();
            List<Future<double[]>> parts = new ArrayList<>();
            AtomicLong done = new AtomicLong();
            List<ErrorSweep.Prepared> ps = new ArrayList<>();
            for (Future<ErrorSweep.Prepared> f : prepared) {
                ps.add(f.get());
            }
            int[] unitsPerTask = new int[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                ErrorSweep.Prepared p = ps.get(i);
                long perUnit = Math.max(1, p.count() / p.units());
                unitsPerTask[i] = (int) Math.max(1, TASK_VALUES / perUnit);
                total += (p.units() + unitsPerTask[i] - 1) / unitsPerTask[i];
            }
            final long totalTasks = total;
            for (int i = 0; i < n; i++) {
                ErrorSweep.Prepared p = ps.get(i);
                int step = unitsPerTask[i];
                for (int u = 0; u < p.units(); u += step) {
                    final int from = u;
                    final int to = Math.min(p.units(), u + step);
                    taskLayer.add(i);
                    parts.add(pool.submit(() -> {
                        double[] acc = new double[Bits.COUNT + 1];
                        ErrorSweep.accumulate(p, from, to, acc);
                        progress.update("error sweep", done.incrementAndGet(), totalTasks);
                        return acc;
                    }));
                }
            }
            double[][] sse = new double[n][Bits.COUNT];
            double[] sq = new double[n];
            for (int t = 0; t < parts.size(); t++) {
                int i = taskLayer.get(t);
                double[] acc = parts.get(t).get();
                for (int k = 0; k < Bits.COUNT; k++) {
                    sse[i][k] += acc[k];
                }
                sq[i] += acc[Bits.COUNT];
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
