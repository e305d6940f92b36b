package org.mixquant.model.cnn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The wiring of a CNN for 1×28×28 inputs: its convolutions in forward order, the classifier, and a forward pass that
 * delegates every weighted operation to a {@link CnnOps}. Immutable.
 *
 * <p>The forward pass is a chain of {@link Unit}s (BRECQ's blocks): the stem, each residual or inverted-residual
 * block, MobileNetV2's head convolution, and the classifier (after global average pooling). Each unit maps the previous
 * unit's output to its own, so a unit's input can be captured once and the unit re-run alone, as block reconstruction
 * needs. {@link #activationAfter} says which activation directly follows each layer, for layer-wise reconstruction.
 *
 * <p>Safe under autograd: every constant is an array in the input's manager (ReLU6 is {@code min(relu(x), six)} with
 * {@code six} an array, not DJL's {@code Activation.relu6}, whose number operand libtorch would read after it is freed).
 */
public abstract class CnnNetwork {
    /** Name of the classifier layer. */
    public static final String FC = "head.fc";
    /** Output classes. */
    public static final int CLASSES = 10;
    /** BatchNorm ε, as PyTorch's default. */
    public static final float BN_EPS = 1e-5f;

    private final List<ConvSpec> convs;
    private final int fcIn;
    private final List<Unit> units;
    private final Map<String, Act> activations;

    CnnNetwork(List<ConvSpec> convs, int fcIn, List<Unit> units, Map<String, Act> activations) {
        this.convs = List.copyOf(convs);
        this.fcIn = fcIn;
        this.units = List.copyOf(units);
        this.activations = Map.copyOf(activations);
    }

    /** The activation that directly follows a layer's (folded) output, or {@link #NONE}. */
    public enum Act {
        /** Nothing, e.g. before a residual addition or for the classifier. */
        NONE,
        /** {@code max(x, 0)}. */
        RELU,
        /** {@code min(max(x, 0), 6)}. */
        RELU6;

        /** Applies the activation (constants in {@code x}'s manager). */
        public NDArray apply(NDArray x) {
            return switch (this) {
                case NONE -> x;
                case RELU -> relu(x);
                case RELU6 -> relu6(x);
            };
        }
    }

    /** How a unit computes its output from its input. */
    @FunctionalInterface
    public interface UnitForward {
        /** The unit's output for input {@code x}, with the weights {@code ops} supplies. */
        NDArray apply(CnnOps ops, NDArray x);
    }

    /**
     * One link of the forward chain: a stem, a block, a head convolution or the classifier.
     *
     * @param name    e.g. {@code stem}, {@code stage2.block0}, {@code block3}, {@code head.conv}, {@code head.fc}
     * @param layers  the quantizable layers it contains, in forward order (layer names as in
     *                {@link CnnModel#layers()})
     * @param pooled  true when the unit's input is the global average pool of the previous unit's output (the
     *                classifier)
     * @param forward its computation, activation included
     */
    public record Unit(String name, List<String> layers, boolean pooled, UnitForward forward) {
        /** Copies the layer list. */
        public Unit {
            Objects.requireNonNull(name, "name");
            layers = List.copyOf(layers);
            Objects.requireNonNull(forward, "forward");
        }

        /** The unit's input from the previous unit's output (pooled for the classifier). */
        public NDArray input(NDArray previousOutput) {
            return pooled ? pool(previousOutput) : previousOutput;
        }
    }

    /** The forward chain; {@link #forward} is exactly their composition. */
    public List<Unit> units() {
        return units;
    }

    /** The activation directly after {@code layer}'s output. */
    public Act activationAfter(String layer) {
        Act a = activations.get(layer);
        if (a == null) {
            throw new IllegalArgumentException("no layer '" + layer + "'");
        }
        return a;
    }

    /** Logits {@code [n, 10]} for normalized images {@code x [n, 1, 28, 28]}: all units in order. */
    public NDArray forward(CnnOps ops, NDArray x) {
        return forwardFrom(ops, x, 0);
    }

    /**
     * Runs units {@code from ..} end on {@code x}, the output of unit {@code from - 1} (the images when {@code from}
     * is 0), and returns the logits.
     */
    public NDArray forwardFrom(CnnOps ops, NDArray x, int from) {
        NDArray h = x;
        for (int i = from; i < units.size(); i++) {
            Unit u = units.get(i);
            h = u.forward().apply(ops, u.input(h));
        }
        return h;
    }

    /** The convolutions in forward order. */
    public List<ConvSpec> convs() {
        return convs;
    }

    /** The convolution called {@code name}. */
    public ConvSpec conv(String name) {
        for (ConvSpec c : convs) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no convolution '" + name + "'");
    }

    /** Input features of {@code head.fc} (its weight is {@code [10, fcIn]}). */
    public int fcIn() {
        return fcIn;
    }

    /**
     * A stored tensor's name and shape.
     *
     * @param name  PyTorch {@code state_dict} name, e.g. {@code stage1.block0.bn1.running_var}
     * @param shape dimensions
     */
    public record TensorShape(String name, int[] shape) {
    }

    /** Every stored tensor name with its shape, in forward order (the unfolded, BatchNorm form). */
    public List<TensorShape> tensorShapes() {
        List<TensorShape> out = new ArrayList<>();
        for (ConvSpec c : convs) {
            out.add(new TensorShape(c.weightName(), c.weightShape()));
            for (String s : new String[] {".weight", ".bias", ".running_mean", ".running_var"}) {
                out.add(new TensorShape(c.bn() + s, new int[] {c.out()}));
            }
        }
        out.add(new TensorShape(FC + ".weight", new int[] {CLASSES, fcIn}));
        out.add(new TensorShape(FC + ".bias", new int[] {CLASSES}));
        return out;
    }

    /** Global average pooling {@code [n, c, h, w] → [n, c]}. */
    static NDArray pool(NDArray x) {
        return Pool.globalAvgPool2d(x);
    }

    static NDArray relu(NDArray x) {
        return Activation.relu(x);
    }

    static NDArray relu6(NDArray x) {
        NDArray six = x.getManager().create(6f);
        return Activation.relu(x).minimum(six);
    }

    /** The classifier unit (input: pooled features). */
    static Unit fcUnit() {
        return new Unit(FC, List.of(FC), true, (ops, x) -> ops.fc(x));
    }

    /**
     * CIFAR-style ResNet-20 (He et al. 2016, section 4.2) for 28×28: a 3×3 stem with 16 channels, three stages of three
     * basic blocks with 16, 32 and 64 channels (stride 2 at the start of stages 2 and 3, where a 1×1 projection with
     * BatchNorm is the shortcut; elsewhere the shortcut is the identity), global average pooling and a linear
     * classifier. 19 convolutions + 1 linear layer; 0.27 M parameters.
     */
    public static CnnNetwork resnet20() {
        return new ResNet(3, new int[] {16, 32, 64});
    }

    /**
     * A small MobileNetV2 (Sandler et al. 2018) for 28×28: a 3×3 stem with 16 channels and stride 2 (28 → 14, as in
     * the paper's stem), inverted residual blocks
     * (1×1 expansion with ReLU6, 3×3 depthwise with ReLU6, linear 1×1 projection, identity residual when stride is 1
     * and channels match) with (expansion t, channels c, repeats n, stride s) = (1,16,1,1), (6,24,2,1), (6,32,3,2),
     * (6,64,2,1) (so 14×14 up to the 32-channel stage, 7×7 after), a 1×1 head convolution to 256 channels, global average pooling and a linear classifier.
     */
    public static CnnNetwork mobilenetv2() {
        return new MobileNetV2(16, new int[][] {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 2, 1}}, 256);
    }

    /** ResNet for small images with basic blocks. */
    static final class ResNet extends CnnNetwork {
        record Block(ConvSpec conv1, ConvSpec conv2, ConvSpec shortcut) {
        }

        private ResNet(Build b) {
            super(b.convs, b.lastChannels, units(b), activations(b));
        }

        private static List<Unit> units(Build b) {
            List<Unit> u = new ArrayList<>();
            ConvSpec stem = b.convs.get(0);
            u.add(new Unit("stem", List.of(stem.name()), false, (ops, x) -> relu(ops.conv(stem, x))));
            for (Block blk : b.blocks) {
                List<String> names = new ArrayList<>(List.of(blk.conv1().name(), blk.conv2().name()));
                if (blk.shortcut() != null) {
                    names.add(blk.shortcut().name());
                }
                String name = blk.conv1().name().substring(0, blk.conv1().name().lastIndexOf('.'));
                u.add(new Unit(name, names, false, (ops, h) -> {
                    NDArray o = relu(ops.conv(blk.conv1(), h));
                    o = ops.conv(blk.conv2(), o);
                    NDArray sc = blk.shortcut() == null ? h : ops.conv(blk.shortcut(), h);
                    return relu(o.add(sc));
                }));
            }
            u.add(fcUnit());
            return u;
        }

        private static Map<String, Act> activations(Build b) {
            Map<String, Act> a = new HashMap<>();
            a.put(b.convs.get(0).name(), Act.RELU);
            for (Block blk : b.blocks) {
                a.put(blk.conv1().name(), Act.RELU);
                a.put(blk.conv2().name(), Act.NONE); // added to the shortcut before the ReLU
                if (blk.shortcut() != null) {
                    a.put(blk.shortcut().name(), Act.NONE);
                }
            }
            a.put(FC, Act.NONE);
            return a;
        }

        ResNet(int blocksPerStage, int[] widths) {
            this(build(blocksPerStage, widths));
        }

        private static final class Build {
            final List<ConvSpec> convs = new ArrayList<>();
            final List<Block> blocks = new ArrayList<>();
            int lastChannels;
        }

        private static Build build(int blocksPerStage, int[] widths) {
            Build b = new Build();
            b.convs.add(ConvSpec.dense("stem.conv", "stem.bn", 1, widths[0], 3, 1));
            int in = widths[0];
            for (int s = 0; s < widths.length; s++) {
                for (int k = 0; k < blocksPerStage; k++) {
                    String p = "stage" + (s + 1) + ".block" + k + ".";
                    int out = widths[s];
                    int stride = s > 0 && k == 0 ? 2 : 1;
                    ConvSpec c1 = ConvSpec.dense(p + "conv1", p + "bn1", in, out, 3, stride);
                    ConvSpec c2 = ConvSpec.dense(p + "conv2", p + "bn2", out, out, 3, 1);
                    ConvSpec sc = stride != 1 || in != out
                            ? ConvSpec.dense(p + "shortcut", p + "shortcut_bn", in, out, 1, stride) : null;
                    b.convs.add(c1);
                    b.convs.add(c2);
                    if (sc != null) {
                        b.convs.add(sc);
                    }
                    b.blocks.add(new Block(c1, c2, sc));
                    in = out;
                }
            }
            b.lastChannels = in;
            return b;
        }

    }

    /** MobileNetV2 with inverted residual blocks. */
    static final class MobileNetV2 extends CnnNetwork {
        record Block(ConvSpec expand, ConvSpec dw, ConvSpec project, boolean residual) {
        }

        private MobileNetV2(List<ConvSpec> convs, List<Block> blocks, int headChannels) {
            super(convs, headChannels, units(convs, blocks), activations(convs, blocks));
        }

        private static List<Unit> units(List<ConvSpec> convs, List<Block> blocks) {
            List<Unit> u = new ArrayList<>();
            ConvSpec stem = convs.get(0);
            ConvSpec head = convs.get(convs.size() - 1);
            u.add(new Unit("stem", List.of(stem.name()), false, (ops, x) -> relu6(ops.conv(stem, x))));
            for (Block b : blocks) {
                List<String> names = new ArrayList<>();
                if (b.expand() != null) {
                    names.add(b.expand().name());
                }
                names.add(b.dw().name());
                names.add(b.project().name());
                String name = b.dw().name().substring(0, b.dw().name().lastIndexOf('.'));
                u.add(new Unit(name, names, false, (ops, h) -> {
                    NDArray o = b.expand() == null ? h : relu6(ops.conv(b.expand(), h));
                    o = relu6(ops.conv(b.dw(), o));
                    o = ops.conv(b.project(), o);
                    return b.residual() ? o.add(h) : o;
                }));
            }
            u.add(new Unit(head.name(), List.of(head.name()), false, (ops, h) -> relu6(ops.conv(head, h))));
            u.add(fcUnit());
            return u;
        }

        private static Map<String, Act> activations(List<ConvSpec> convs, List<Block> blocks) {
            Map<String, Act> a = new HashMap<>();
            a.put(convs.get(0).name(), Act.RELU6);
            for (Block b : blocks) {
                if (b.expand() != null) {
                    a.put(b.expand().name(), Act.RELU6);
                }
                a.put(b.dw().name(), Act.RELU6);
                a.put(b.project().name(), Act.NONE); // linear bottleneck
            }
            a.put(convs.get(convs.size() - 1).name(), Act.RELU6);
            a.put(FC, Act.NONE);
            return a;
        }

        MobileNetV2(int stemChannels, int[][] settings, int headChannels) {
            this(new ArrayList<>(), new ArrayList<>(), stemChannels, settings, headChannels);
        }

        private MobileNetV2(List<ConvSpec> convs, List<Block> blocks, int stemChannels, int[][] settings,
                int headChannels) {
            this(fill(convs, blocks, stemChannels, settings, headChannels), blocks, headChannels);
        }

        private static List<ConvSpec> fill(List<ConvSpec> convs, List<Block> blocks, int stemChannels,
                int[][] settings, int headChannels) {
            convs.add(ConvSpec.dense("stem.conv", "stem.bn", 1, stemChannels, 3, 2));
            int in = stemChannels;
            int i = 0;
            for (int[] s : settings) {
                int t = s[0];
                int c = s[1];
                for (int r = 0; r < s[2]; r++) {
                    int stride = r == 0 ? s[3] : 1;
                    String p = "block" + i + ".";
                    int hidden = in * t;
                    ConvSpec ex = t == 1 ? null : ConvSpec.dense(p + "expand", p + "expand_bn", in, hidden, 1, 1);
                    ConvSpec dw = ConvSpec.depthwise(p + "dw", p + "dw_bn", hidden, stride);
                    ConvSpec pr = ConvSpec.dense(p + "project", p + "project_bn", hidden, c, 1, 1);
                    if (ex != null) {
                        convs.add(ex);
                    }
                    convs.add(dw);
                    convs.add(pr);
                    blocks.add(new Block(ex, dw, pr, stride == 1 && in == c));
                    in = c;
                    i++;
                }
            }
            convs.add(ConvSpec.dense("head.conv", "head.bn", in, headChannels, 1, 1));
            return convs;
        }

    }
}
