package org.mixquant.sensitivity;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.Djl;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.progress.Progress;

/**
 * The {@code fisher} cost table of a Fashion-MNIST CNN (HAWQ-style): cost(i, b) = Σ_j F_j·(w_j − ŵ_j(b))², with F the
 * empirical Fisher diagonal of the cross-entropy with the true labels, F_j = mean over calibration images of
 * (∂ℓ/∂w_j)², from one autograd pass over the images one at a time (per-image gradients, so it is the empirical
 * Fisher and not the square of a batch gradient), on the BN-folded weights; ŵ(b) is nearest rounding with min-max
 * scales in the given scheme and granularity. Sums in double.
 */
public final class FisherCost {
    private FisherCost() {
    }

    /**
     * The empirical Fisher diagonal of every layer, in the layer's flat weight order.
     *
     * @param threads libtorch intra-op threads
     */
    public static double[][] diagonal(CnnModel fp32, FashionMnist images, int threads, Progress progress) {
        Djl.threads(threads);
        Engine engine = Djl.engine();
        List<Layer> layers = fp32.layers();
        CnnNetwork net = fp32.network();
        double[][] f = new double[layers.size()][];
        for (int i = 0; i < f.length; i++) {
            f[i] = new double[layers.get(i).weight().size()];
        }
        int n = images.size();
        try (NDManager root = engine.newBaseManager()) {
            Map<String, NDArray> p = new HashMap<>();
            fp32.folded().tensors().forEach((name, t) -> p.put(name, CnnRunner.toNd(root, t)));
            List<NDArray> ws = new ArrayList<>();
            for (Layer l : layers) {
                NDArray w = p.get(l.tensorName());
                w.setRequiresGradient(true);
                ws.add(w);
            }
            CnnOps ops = CnnOps.folded(p);
            float[] buf = new float[FashionMnist.PIXELS];
            for (int k = 0; k < n; k++) {
                images.normalizedInto(k, k + 1, buf, 0);
                try (NDManager step = root.newSubManager();
                     GradientCollector gc = engine.newGradientCollector()) {
                    NDArray x = step.create(buf, new Shape(1, 1, FashionMnist.SIDE, FashionMnist.SIDE));
                    NDArray logp = net.forward(ops, x).logSoftmax(1);
                    NDArray onehot = step.create(new int[] {images.label(k)}).oneHot(CnnNetwork.CLASSES);
                    gc.backward(logp.mul(onehot).sum().neg());
                    for (int i = 0; i < ws.size(); i++) {
                        float[] g = ws.get(i).getGradient().toFloatArray();
                        double[] fi = f[i];
                        for (int j = 0; j < g.length; j++) {
                            fi[j] += (double) g[j] * g[j];
                        }
                    }
                    gc.zeroGradients(); // the PyTorch engine keeps gradients after the collector closes
                }
                progress.update("fisher diagonal", k + 1, n);
            }
        }
        for (double[] fi : f) {
            for (int j = 0; j < fi.length; j++) {
                fi[j] /= n;
            }
        }
        return f;
    }

    /** The fisher cost table of {@code fp32} on {@code images}. */
    public static CostTable table(CnnModel fp32, FashionMnist images, Scheme scheme, Granularity granularity,
            int threads, Progress progress) {
        long t0 = System.nanoTime();
        double[][] f = diagonal(fp32, images, threads, progress);
        LayerCosts.Filled t = LayerCosts.fill(fp32.layers(), scheme, granularity, (i, l, q) -> {
            float[] w = l.weight().unsafeData();
            float[] wq = q.unsafeData();
            double sum = 0;
            for (int j = 0; j < w.length; j++) {
                double d = (double) w[j] - wq[j];
                sum += f[i][j] * d * d;
            }
            return sum;
        }, Progress.NONE, "fisher cost");
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("metric", "sum F*(w - w^)^2, empirical Fisher diagonal of the cross-entropy (true labels,"
                + " per-image gradients)");
        prov.put("calibration", images.name());
        prov.put("samples", images.size());
        prov.put("quantizer", "nearest " + scheme.cliName() + " " + granularity.label() + " min-max");
        prov.put("seconds", secs);
        return CostTable.of(CostKind.FISHER, fp32.source(), scheme, granularity, t.names(), t.params(), t.cost(), prov,
                secs);
    }
}
