package org.mixquant.methods;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;
import java.util.Map;
import org.mixquant.methods.rounding.LayerReconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.model.Djl;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.onnx.OnnxConv;
import org.mixquant.progress.Progress;
import org.mixquant.quant.QParams;
import org.mixquant.tensor.WeightTensor;

/**
 * {@link AdaRound} on one ONNX {@code Conv} layer: its output {@code act(conv(x, Ŵ) + b)} re-run with DJL's
 * {@code Conv2d} (strides, symmetric pads, dilations and groups from the node, {@link OnnxConv}) on feature maps
 * captured from ONNX Runtime, against targets from the FP32 model's feature maps through the FP32 layer. The objective
 * is the CNNs' ({@link UnitReconstruction}: squared error summed over channels, averaged over samples and positions)
 * and the optimisation the shared one ({@link CnnReconstruction#optimise}).
 */
final class OnnxConvAdaRound {
    private OnnxConvAdaRound() {
    }

    /**
     * Learns the rounding of {@code layer}.
     *
     * @param sampleShape {@code [C, H, W]} of one captured sample
     * @param xq          inputs captured from the model quantized so far, {@code samples × C·H·W}
     * @param xf          the same samples from the FP32 model
     * @param q           the layer's scales and zero-points
     * @param seed        seed of this layer's mini-batches
     */
    static CnnReconstruction.Outcome optimise(Layer layer, LayerSite site, LayerSite.Activation act, OnnxConv conv,
            int[] sampleShape, float[] xq, float[] xf, QParams q, ReconstructionOptions options, long seed,
            Progress progress) {
        String name = layer.name();
        WeightTensor w = layer.weight();
        int out = w.shape()[0];
        int per = sampleShape[0] * sampleShape[1] * sampleShape[2];
        if (xq.length == 0 || xq.length % per != 0 || xf.length != xq.length) {
            throw new IllegalArgumentException("captured inputs of '" + name + "' do not hold whole samples of "
                    + java.util.Arrays.toString(sampleShape));
        }
        Shape shape = new Shape(xq.length / per, sampleShape[0], sampleShape[1], sampleShape[2]);
        float[] bias = site.hasBias() ? site.bias() : new float[out];
        UnitReconstruction.ParamForward forward = forward(name, conv, act);
        try (NDManager root = Djl.engine().newBaseManager()) {
            NDArray inQ = root.create(xq, shape);
            NDArray inF = root.create(xf, shape);
            Map<String, NDArray> fp = Map.of(name + ".weight", CnnRunner.toNd(root, w),
                    name + ".bias", root.create(bias));
            NDArray target = CnnReconstruction.chunked(root, inF, x -> forward.apply(fp, x));
            return CnnReconstruction.optimise(root, List.of(name), forward,
                    Map.of(name, WeightTensor.vector(bias)), List.of(w), List.of(q), inQ, target, null, options,
                    seed, progress, name);
        }
    }

    /** {@code act(conv(x, <name>.weight) + <name>.bias)} with the node's geometry. */
    static UnitReconstruction.ParamForward forward(String name, OnnxConv conv, LayerSite.Activation act) {
        int[] s = conv.strides();
        int[] p = conv.pads();
        int[] d = conv.dilations();
        return (params, x) -> LayerReconstruction.activate(Conv2d.conv2d(x, params.get(name + ".weight"),
                params.get(name + ".bias"), new Shape(s[0], s[1]), new Shape(p[0], p[1]), new Shape(d[0], d[1]),
                conv.group()).singletonOrThrow(), act);
    }
}
