package org.mixquant.sensitivity;

import java.util.Locale;
import org.mixquant.model.Models;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;

/**
 * Times the measured cost table of one model (not a unit test; run by hand, no cache):
 * {@code java [-Dsamples=N] [-Dcache=true] -cp target/test-classes:target/classes:$(cat cp.txt)
 * org.mixquant.sensitivity.MeasuredCostRun MODEL [threads] [layer-index-to-check [stop]]}.
 */
public final class MeasuredCostRun {
    private MeasuredCostRun() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long t0 = System.nanoTime();
        QuantizableModel m = Models.load(args[0]);
        int samples = Integer.parseInt(System.getProperty("samples", "0"));
        Distortion d = Sensitivity.distortion(m, threads, samples);
        double setup = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "setup %.1f s%n", setup);
        long t1 = System.nanoTime();
        double fp = d.measure(m);
        System.out.printf(Locale.ROOT, "one pass %.2f s (FP32 distortion %.3g)%n", (System.nanoTime() - t1) / 1e9, fp);
        if (args.length > 2) {
            // check the fast single-layer path against a full pass
            org.mixquant.model.Layer l = m.layers().get(Integer.parseInt(args[2]));
            org.mixquant.tensor.WeightTensor w = org.mixquant.quant.FakeQuant.apply(l.weight(),
                    new org.mixquant.quant.QuantSpec(3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            System.out.printf(Locale.ROOT, "layer %s: full %.6e fast %.6e%n", l.name(),
                    d.measure(m.withWeights(java.util.Map.of(l.name(), w))), d.measureLayer(m, l.name(), w));
            for (int rep = 0; rep < 3; rep++) {
                long a = System.nanoTime();
                d.measure(m.withWeights(java.util.Map.of(l.name(), w)));
                long b = System.nanoTime();
                d.measureLayer(m, l.name(), w);
                long c = System.nanoTime();
                System.out.printf(Locale.ROOT, "full %.2f s, fast %.2f s%n", (b - a) / 1e9, (c - b) / 1e9);
            }
            if (args.length > 3) {
                return;
            }
        }
        CostTable t = MeasuredCost.table(m, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                (task, done, total) -> System.out.printf(Locale.ROOT, "%s %d/%d %.1f s%n", task, done, total, (System.nanoTime() - t0) / 1e9),
                System.err::println, Boolean.getBoolean("cache") ? MeasuredCost.cacheDir() : null);
        System.err.println();
        System.out.printf(Locale.ROOT, "%s: %d layers, setup (load + FP32 outputs) %.1f s, table %.1f s%n", args[0],
                t.size(), setup, t.seconds());
        for (int i = 0; i < t.size(); i++) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-50s", t.layers().get(i)));
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                sb.append(String.format(Locale.ROOT, " %.3e", t.cost(i, b)));
            }
            System.out.println(sb);
        }
    }
}
