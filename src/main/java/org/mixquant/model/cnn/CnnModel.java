package org.mixquant.model.cnn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.model.QuantizableModel;
import org.mixquant.tensor.WeightTensor;

/**
 * A Fashion-MNIST CNN as a {@link QuantizableModel}: its BatchNorms folded into the convolutions (see
 * {@link BnFolding}), every convolution and the classifier a {@link Layer} with output-channel axis 0, in forward order
 * ({@code stem.conv}, {@code stage1.block0.conv1}, …, {@code head.fc}). Convolution layers are {@link LayerKind#CONV}
 * or {@link LayerKind#DEPTHWISE_CONV}, the classifier {@link LayerKind#LINEAR}. The folded biases stay FP32 and are
 * the model's {@link #otherParams()}.
 *
 * <p>Immutable: {@link #withWeights} returns a new model that shares every tensor it does not replace, and the
 * BatchNorm form it was loaded from ({@link #unfolded()}) is kept for reference.
 */
public final class CnnModel implements QuantizableModel {
    private final String source;
    private final CnnArch arch;
    private final CnnNetwork net;
    private final CnnWeights unfolded;
    private final List<Layer> layers;
    private final Map<String, WeightTensor> biases;
    private final boolean modified;

    private CnnModel(String source, CnnArch arch, CnnNetwork net, CnnWeights unfolded, List<Layer> layers,
            Map<String, WeightTensor> biases, boolean modified) {
        this.source = source;
        this.arch = arch;
        this.net = net;
        this.unfolded = unfolded;
        this.layers = layers;
        this.biases = biases;
        this.modified = modified;
    }

    /**
     * A model from weights in BatchNorm form (as trained and stored).
     *
     * @param source a label such as {@code resnet20-fashion} or a file path
     * @throws IllegalArgumentException if a tensor is missing, misshapen or not finite (the message names it)
     */
    public static CnnModel of(String source, CnnArch arch, CnnWeights weights) {
        CnnNetwork net = arch.network();
        weights.validateFor(net, source);
        CnnWeights folded = BnFolding.fold(net, weights);
        List<Layer> layers = new ArrayList<>();
        Map<String, WeightTensor> biases = new LinkedHashMap<>();
        for (ConvSpec c : net.convs()) {
            LayerKind kind = c.depthwise() ? LayerKind.DEPTHWISE_CONV : LayerKind.CONV;
            layers.add(new Layer(c.name(), c.weightName(), kind, folded.get(c.weightName())));
            biases.put(c.biasName(), folded.get(c.biasName()));
        }
        layers.add(new Layer(CnnNetwork.FC, CnnNetwork.FC + ".weight", LayerKind.LINEAR,
                folded.get(CnnNetwork.FC + ".weight")));
        biases.put(CnnNetwork.FC + ".bias", folded.get(CnnNetwork.FC + ".bias"));
        return new CnnModel(source, arch, net, weights, List.copyOf(layers), Collections.unmodifiableMap(biases),
                false);
    }

    @Override
    public String source() {
        return source;
    }

    /** The architecture. */
    public CnnArch arch() {
        return arch;
    }

    /** The network wiring. */
    public CnnNetwork network() {
        return net;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    /** The folded biases ({@code name.bias} per convolution, and {@code head.fc.bias}): they stay FP32. */
    @Override
    public long otherParams() {
        long n = 0;
        for (WeightTensor b : biases.values()) {
            n += b.size();
        }
        return n;
    }

    /** True when some weights were replaced since loading. */
    public boolean isModified() {
        return modified;
    }

    /** The weights in BatchNorm form that this model was loaded from (never changed by {@link #withWeights}). */
    public CnnWeights unfolded() {
        return unfolded;
    }

    /**
     * The folded weights as run: per convolution {@code name.weight} and {@code name.bias}, then {@code head.fc}'s,
     * in forward order (the layer weights include any replacement).
     */
    public CnnWeights folded() {
        Map<String, WeightTensor> m = new LinkedHashMap<>();
        for (Layer l : layers) {
            m.put(l.tensorName(), l.weight());
            m.put(l.name() + ".bias", biases.get(l.name() + ".bias"));
        }
        return CnnWeights.of(m);
    }

    /**
     * A new model with the named layers' weights replaced. The receiver is not changed; unreplaced tensors are
     * shared.
     *
     * @throws IllegalArgumentException for an unknown layer, a shape or axis mismatch, or a NaN/infinite weight (the
     *                                  message names the layer)
     */
    @Override
    public CnnModel withWeights(Map<String, WeightTensor> replaced) {
        Objects.requireNonNull(replaced, "replaced");
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            index.put(layers.get(i).name(), i);
        }
        Layer[] out = layers.toArray(new Layer[0]);
        for (Map.Entry<String, WeightTensor> e : replaced.entrySet()) {
            Integer i = index.get(e.getKey());
            if (i == null) {
                throw new IllegalArgumentException("model '" + source + "' has no quantizable layer '" + e.getKey()
                        + "'");
            }
            WeightTensor w = Objects.requireNonNull(e.getValue(), "weight of " + e.getKey());
            if (!Arrays.equals(w.shape(), out[i].weight().shape())) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "' expects shape "
                        + out[i].weight().shapeString() + ", got " + w.shapeString());
            }
            int bad = w.firstNonFinite();
            if (bad >= 0) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': replacement weight " + w.get(bad)
                        + " at flat index " + bad + " is not finite");
            }
            out[i] = out[i].withWeight(w.channelAxis() == 0 ? w : w.withChannelAxis(0));
        }
        return new CnnModel(source, arch, net, unfolded, List.of(out), biases, modified || !replaced.isEmpty());
    }

    /** A runner of this model's folded weights (close it). */
    public CnnRunner open() {
        return CnnRunner.folded(net, folded());
    }

    /** A runner of the BatchNorm form this model was loaded from (ignores replaced weights; close it). */
    public CnnRunner openUnfolded() {
        return CnnRunner.unfolded(net, unfolded);
    }

    @Override
    public String toString() {
        return "CnnModel[" + source + ", " + arch.cliName() + ", " + layers.size() + " layers, "
                + quantizableParams() + " weights" + (modified ? ", modified" : "") + "]";
    }
}
