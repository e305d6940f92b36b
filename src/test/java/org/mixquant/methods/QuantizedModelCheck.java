package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.mixquant.model.Layer;
import org.mixquant.quant.BitPlan;
import org.mixquant.tensor.WeightTensor;

/** Checks shared by the reconstruction tests. */
final class QuantizedModelCheck {
    private QuantizedModelCheck() {
    }

    /** Every output channel of every layer holds at most {@code 2^bits} distinct values (one integer grid). */
    static void onGrid(org.mixquant.model.QuantizableModel q, BitPlan plan) {
        for (Layer l : q.layers()) {
            WeightTensor w = l.weight();
            int b = plan.bitsOf(l.name());
            @SuppressWarnings("unchecked")
            Set<Float>[] values = new Set[w.channels()];
            for (int c = 0; c < values.length; c++) {
                values[c] = new HashSet<>();
            }
            for (int i = 0; i < w.size(); i++) {
                values[w.channelOf(i)].add(w.get(i));
            }
            for (int c = 0; c < values.length; c++) {
                assertTrue(values[c].size() <= (1 << b), l.name() + " channel " + c + ": " + values[c].size()
                        + " values for int" + b);
            }
        }
    }

    /**
     * Per-group plans: every group (per {@link org.mixquant.quant.QParams#indexOf}) of every layer holds at most
     * {@code 2^bits} distinct values, and some group holds values its channel's other groups do not (the groups have
     * their own grids).
     */
    static void onGroupGrids(org.mixquant.model.QuantizableModel q, BitPlan plan) {
        for (Layer l : q.layers()) {
            WeightTensor w = l.weight();
            int b = plan.bitsOf(l.name());
            org.mixquant.quant.QParams layout = org.mixquant.quant.QParams.choose(w,
                    new org.mixquant.quant.QuantSpec(b, plan.scheme(), plan.granularity()));
            @SuppressWarnings("unchecked")
            Set<Float>[] values = new Set[layout.count()];
            for (int k = 0; k < values.length; k++) {
                values[k] = new HashSet<>();
            }
            for (int i = 0; i < w.size(); i++) {
                values[layout.indexOf(w, i)].add(w.get(i));
            }
            for (int k = 0; k < values.length; k++) {
                assertTrue(values[k].size() <= (1 << b), l.name() + " group " + k + ": " + values[k].size()
                        + " values for int" + b);
            }
        }
    }
}
