package org.mixquant.quant;

import java.util.Arrays;
import org.mixquant.tensor.WeightTensor;

/**
 * Round-off error per output channel: how a layer's total quantization error is spread over its channels, e.g. to
 * show that per-group scales lower the error of the channels whose range an outlier stretched.
 */
public final class ChannelErrors {
    private ChannelErrors() {
    }

    /**
     * Mean squared round-off error {@code mean((w − ŵ)²)} of each output channel of {@code w} (not modified) with
     * min-max parameters for {@code spec} ({@link FakeQuant#apply(WeightTensor, QuantSpec)}: per tensor, per channel
     * or per group of input-dimension weights), summed in double.
     *
     * @return one value per output channel, channel order
     */
    public static double[] mse(WeightTensor w, QuantSpec spec) {
        WeightTensor q = FakeQuant.apply(w, spec);
        double[] sse = new double[w.channels()];
        for (int i = 0; i < w.size(); i++) {
            double e = (double) w.get(i) - q.get(i);
            sse[w.channelOf(i)] += e * e;
        }
        int per = w.size() / w.channels();
        for (int c = 0; c < sse.length; c++) {
            sse[c] /= per;
        }
        return sse;
    }

    /** {@link #mse} sorted from the largest to the smallest (a rank curve; channel identity dropped). */
    public static double[] mseDescending(WeightTensor w, QuantSpec spec) {
        double[] m = mse(w, spec);
        Arrays.sort(m);
        for (int i = 0, j = m.length - 1; i < j; i++, j--) {
            double t = m[i];
            m[i] = m[j];
            m[j] = t;
        }
        return m;
    }
}
