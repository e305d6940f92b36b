package org.mixquant.model.cnn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mixquant.tensor.WeightTensor;

/**
 * Folds each BatchNorm into the convolution before it, as BRECQ, AIMET and HAWQ do before quantizing weights.
 *
 * <p>For output channel {@code c}, with {@code s_c = γ_c / sqrt(σ²_c + ε)} (running variance σ², ε = 1e-5):
 * {@code W'[c, …] = W[c, …] · s_c} and {@code b'_c = β_c − μ_c · s_c} (running mean μ; the convolutions have no
 * bias of their own). Then {@code conv(x, W') + b' = BN(conv(x, W))} in inference mode, up to float rounding.
 * {@code s_c} is computed in double and each product rounded once to float32.
 */
public final class BnFolding {
    private BnFolding() {
    }

    /**
     * The folded weights of {@code net}: for each convolution {@code name.weight} and {@code name.bias}, then
     * {@code head.fc.weight} and {@code head.fc.bias} unchanged; in forward order. {@code weights} is not changed.
     */
    public static CnnWeights fold(CnnNetwork net, CnnWeights weights) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (ConvSpec c : net.convs()) {
            WeightTensor[] wb = fold(weights.get(c.weightName()), weights.get(c.bn() + ".weight"),
                    weights.get(c.bn() + ".bias"), weights.get(c.bn() + ".running_mean"),
                    weights.get(c.bn() + ".running_var"), CnnNetwork.BN_EPS);
            out.put(c.weightName(), wb[0]);
            out.put(c.biasName(), wb[1]);
        }
        out.put(CnnNetwork.FC + ".weight", weights.get(CnnNetwork.FC + ".weight"));
        out.put(CnnNetwork.FC + ".bias", weights.get(CnnNetwork.FC + ".bias"));
        return CnnWeights.of(out);
    }

    /**
     * Folds one BatchNorm into the weight {@code w} whose axis 0 is the output channel.
     *
     * @return the folded weight (same shape, channel axis 0) and the bias {@code [out]}
     */
    public static WeightTensor[] fold(WeightTensor w, WeightTensor gamma, WeightTensor beta, WeightTensor mean,
            WeightTensor var, double eps) {
        int out = w.shape()[0];
        for (WeightTensor t : new WeightTensor[] {gamma, beta, mean, var}) {
            if (t.size() != out) {
                throw new IllegalArgumentException("BatchNorm parameter of size " + t.size() + " does not match "
                        + out + " output channels");
            }
        }
        int per = w.size() / out;
        float[] src = w.unsafeData();
        float[] dst = new float[src.length];
        float[] bias = new float[out];
        for (int c = 0; c < out; c++) {
            double v = var.get(c);
            if (!(v + eps > 0)) {
                throw new IllegalArgumentException("BatchNorm running variance " + v + " of channel " + c
                        + " is not positive");
            }
            double s = gamma.get(c) / Math.sqrt(v + eps);
            for (int i = c * per; i < (c + 1) * per; i++) {
                dst[i] = (float) (src[i] * s);
            }
            bias[c] = (float) (beta.get(c) - mean.get(c) * s);
        }
        return new WeightTensor[] {WeightTensor.wrap(dst, w.shape(), 0), WeightTensor.wrap(bias, new int[] {out}, 0)};
    }
}
