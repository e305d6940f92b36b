package org.mixquant.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/**
 * What it costs to quantize each layer at each bit-width 2..8 (layer × bits → cost ≥ 0), the input of the size-budget
 * knapsack ({@link MixQuant#budget(CostTable, double, Map)}). Immutable. The cost of a plan is predicted as the sum of
 * its layers' costs ({@link #predicted}); how well that matches the plan's measured effect is for the caller to check.
 *
 * <p>Units depend on {@link #kind()}: {@link CostKind#QE} is Σ(w − ŵ)² (the {@link ErrorTable#sse}),
 * {@link CostKind#MEASURED} a mean output distortion (KL in nats, or 1 − cos), {@link CostKind#FISHER} Σ F·(w − ŵ)².
 * {@link #provenance()} says how the numbers were made (calibration set, metric, seed, times).
 */
public final class CostTable {
    private final CostKind kind;
    private final String model;
    private final Scheme scheme;
    private final Granularity granularity;
    private final List<String> layers;
    private final long[] params;
    private final double[][] cost;
    private final Map<String, Object> provenance;
    private final double seconds;

    private CostTable(CostKind kind, String model, Scheme scheme, Granularity granularity, List<String> layers,
            long[] params, double[][] cost, Map<String, Object> provenance, double seconds) {
        this.kind = kind;
        this.model = model;
        this.scheme = scheme;
        this.granularity = granularity;
        this.layers = layers;
        this.params = params;
        this.cost = cost;
        this.provenance = provenance;
        this.seconds = seconds;
    }

    /**
     * A table from per-layer costs (copied).
     *
     * @param cost       per layer, the costs of bits 2..8 (index bits − 2); finite and ≥ 0
     * @param provenance how the costs were made (copied, insertion order kept)
     * @param seconds    wall time it took to make them
     * @throws IllegalArgumentException on a length mismatch, a layer without weights, or a negative or non-finite cost
     */
    public static CostTable of(CostKind kind, String model, Scheme scheme, Granularity granularity,
            List<String> layers, long[] params, double[][] cost, Map<String, Object> provenance, double seconds) {
        int n = layers.size();
        if (n == 0 || params.length != n || cost.length != n) {
            throw new IllegalArgumentException("need at least one layer and one params entry and cost row per layer");
        }
        double[][] copy = new double[n][];
        for (int i = 0; i < n; i++) {
            if (params[i] <= 0) {
                throw new IllegalArgumentException("layer '" + layers.get(i) + "' has no weights");
            }
            if (cost[i].length != Bits.COUNT) {
                throw new IllegalArgumentException("layer '" + layers.get(i) + "' needs " + Bits.COUNT
                        + " costs (bits 2..8)");
            }
            for (double c : cost[i]) {
                if (!(c >= 0) || !Double.isFinite(c)) {
                    throw new IllegalArgumentException("layer '" + layers.get(i) + "' has an invalid cost " + c);
                }
            }
            copy[i] = cost[i].clone();
        }
        return new CostTable(kind, model, scheme, granularity, List.copyOf(layers), params.clone(), copy,
                Collections.unmodifiableMap(new LinkedHashMap<>(provenance)), seconds);
    }

    /** The {@code qe} cost: the error table's summed squared error Σ(w − ŵ)² per layer and bit-width. */
    public static CostTable qe(ErrorTable t) {
        int n = t.size();
        long[] params = new long[n];
        double[][] c = new double[n][Bits.COUNT];
        for (int i = 0; i < n; i++) {
            params[i] = t.params(i);
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                c[i][b - Bits.MIN] = t.sse(i, b);
            }
        }
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("cost", "sum of squared weight error, " + t.scheme().cliName() + " " + t.granularity().label()
                + " min-max");
        prov.put("data", "none");
        return of(CostKind.QE, t.model(), t.scheme(), t.granularity(), t.layers(), params, c, prov, t.seconds());
    }

    /** What the costs measure. */
    public CostKind kind() {
        return kind;
    }

    /** The cost's name, {@link CostKind#cliName()}. */
    public String name() {
        return kind.cliName();
    }

    /** Model source. */
    public String model() {
        return model;
    }

    /** Scheme the layers were quantized with. */
    public Scheme scheme() {
        return scheme;
    }

    /** Granularity the layers were quantized with. */
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

    /** Index of {@code layer}. */
    public int indexOf(String layer) {
        int i = layers.indexOf(layer);
        if (i < 0) {
            throw new IllegalArgumentException("no layer '" + layer + "' in the " + name() + " cost table");
        }
        return i;
    }

    /** Weights of layer {@code i}. */
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

    /** Cost of layer {@code i} at {@code bits}. */
    public double cost(int i, int bits) {
        return cost[i][Bits.check(bits) - Bits.MIN];
    }

    /** Predicted cost of {@code plan}: Σ over layers of cost(layer, its bits). */
    public double predicted(BitPlan plan) {
        double s = 0;
        for (int i = 0; i < layers.size(); i++) {
            s += cost(i, plan.bitsOf(layers.get(i)));
        }
        return s;
    }

    /** How the costs were made (unmodifiable). */
    public Map<String, Object> provenance() {
        return provenance;
    }

    /** Wall time it took to make the table, in seconds. */
    public double seconds() {
        return seconds;
    }

    @Override
    public String toString() {
        return "CostTable[" + name() + ", " + model + ", " + scheme.cliName() + " " + granularity.label() + ", "
                + layers.size() + " layers]";
    }
}
