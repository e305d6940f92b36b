package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mixquant.io.OutputFiles;
import org.mixquant.model.Layer;

/**
 * A quantized copy of an {@link OnnxModel} as a standard ONNX model (QDQ weights), which ONNX Runtime loads like any
 * other: each exported layer's FP32 initializer is replaced by an integer initializer (UINT8 codes and zero-points
 * for the asymmetric scheme, INT8 for the symmetric one), a FLOAT scale tensor, and a {@code DequantizeLinear} node
 * whose output carries the old initializer's name, so the MatMul, Gemm or Conv that read the weight is unchanged and
 * computes with {@code (q - zp) * scale} in float32 — the toolkit's fake-quantized weights. Per-channel parameters
 * are 1-D (one per output channel) with the node's {@code axis} attribute set to the layer's channel axis
 * (DESIGN.md: MatMul {@code [in, out]} → 1, Gemm with {@code transB} and Conv → 0); per-tensor ones are scalars.
 *
 * <p>Storage: codes are stored in 8-bit containers (UINT8/INT8), or, when asked ({@code int4}), layers of 4 bits
 * and fewer as UINT4/INT4 (two codes per byte, the first in the low nibble), which needs opset 21; ONNX Runtime 1.20
 * runs per-axis 4-bit {@code DequantizeLinear} on the CPU. Zero-points have the codes' type.
 *
 * <p>Opset: per-axis {@code DequantizeLinear} needs opset 13 of the default domain (per-tensor needs 10, 4-bit
 * types 21). A model with a lower opset is moved up from 11 or later by {@link OpsetUpgrade}, which converts the
 * operators whose inputs or meaning changed on the way and refuses those it cannot keep exact. Older opsets, graphs
 * with subgraphs that would need converting, and models with external data are refused with a message saying so.
 * The source model is never changed.
 */
public final class OnnxExport {
    /** Opset of the default domain that per-axis {@code DequantizeLinear} needs. */
    public static final int PER_AXIS_OPSET = 13;
    /** Opset of the default domain that {@code DequantizeLinear} first appears in (per-tensor only). */
    public static final int PER_TENSOR_OPSET = 10;
    /** Opset of the default domain that INT4/UINT4 tensors need. */
    public static final int INT4_OPSET = 21;
    /**
     * ONNX Runtime's session setting for the accuracy level of the MatMulNBits its optimizer makes from a blocked
     * 4-bit {@code DequantizeLinear} feeding a {@code MatMul} (README, {@code export}: measured effect).
     */
    public static final String MATMUL_NBITS_ACCURACY = "session.qdq_matmulnbits_accuracy_level";
    /** IR version that opset 13 needs. */
    static final long MIN_IR_FOR_13 = 7;
    /** IR version that opset 21 (and INT4/UINT4) needs. */
    static final long MIN_IR_FOR_21 = 10;

    private final OnnxMl.ModelProto proto;
    private final int originalOpset;
    private final int opset;
    private final List<String> layers;
    private final List<String> conversions;

    private OnnxExport(OnnxMl.ModelProto proto, int originalOpset, int opset, List<String> layers,
            List<String> conversions) {
        this.proto = proto;
        this.originalOpset = originalOpset;
        this.opset = opset;
        this.layers = layers;
        this.conversions = conversions;
    }

    /**
     * The integer form of one layer's weights.
     *
     * @param layer      the layer's name in the model ({@link Layer#name()})
     * @param codes      integer codes in the weight's row-major order: 0..255 when unsigned, -128..127 when signed
     *                   (copied)
     * @param scales     float32 scales, one per output channel along the layer's channel axis, or one for the
     *                   whole tensor (copied)
     * @param zeroPoints zero-points, as many as scales, in the same range as the codes (copied)
     * @param signed     INT8 storage (symmetric scheme) rather than UINT8 (asymmetric)
     * @param bits       the bit-width the codes were made for (2..8), for reports
     * @param groupSize  0, or G when every output channel has one scale and zero-point per run of G consecutive
     *                   input-dimension weights (the quant package's per-group layout: pair {@code g · channels + c}
     *                   for group {@code g} of channel {@code c}, a ragged last group when G does not divide the
     *                   input dimension)
     */
    public record IntegerLayer(String layer, int[] codes, float[] scales, int[] zeroPoints, boolean signed,
            int bits, int groupSize) {
        /** Copies the arrays and checks their sizes and ranges. */
        public IntegerLayer {
            Objects.requireNonNull(layer, "layer");
            if (groupSize < 0) {
                throw new IllegalArgumentException("layer '" + layer + "': group size must be ≥ 0, got " + groupSize);
            }
            codes = codes.clone();
            scales = scales.clone();
            zeroPoints = zeroPoints.clone();
            if (scales.length == 0 || scales.length != zeroPoints.length) {
                throw new IllegalArgumentException("layer '" + layer + "': need as many zero-points as scales (≥ 1)");
            }
            if (bits < 2 || bits > 8) {
                throw new IllegalArgumentException("layer '" + layer + "': bits must be 2..8, got " + bits);
            }
            int lo = signed ? -128 : 0;
            int hi = signed ? 127 : 255;
            for (int v : codes) {
                if (v < lo || v > hi) {
                    throw new IllegalArgumentException("layer '" + layer + "': code " + v + " does not fit "
                            + (signed ? "INT8" : "UINT8"));
                }
            }
            for (int c = 0; c < scales.length; c++) {
                if (!(scales[c] > 0f) || !Float.isFinite(scales[c])) {
                    throw new IllegalArgumentException("layer '" + layer + "': scale " + scales[c] + " of channel "
                            + c + " is not positive and finite");
                }
                if (zeroPoints[c] < lo || zeroPoints[c] > hi) {
                    throw new IllegalArgumentException("layer '" + layer + "': zero-point " + zeroPoints[c]
                            + " does not fit " + (signed ? "INT8" : "UINT8"));
                }
            }
        }

        /** Per-channel or per-tensor parameters (no groups). */
        public IntegerLayer(String layer, int[] codes, float[] scales, int[] zeroPoints, boolean signed, int bits) {
            this(layer, codes, scales, zeroPoints, signed, bits, 0);
        }

        /** A copy of the codes. */
        @Override
        public int[] codes() {
            return codes.clone();
        }

        /** A copy of the scales. */
        @Override
        public float[] scales() {
            return scales.clone();
        }

        /** A copy of the zero-points. */
        @Override
        public int[] zeroPoints() {
            return zeroPoints.clone();
        }

        /** Whether one scale covers the whole tensor. */
        public boolean perTensor() {
            return scales.length == 1 && groupSize == 0;
        }

        /** Whether the parameters are per group of input-dimension weights (blocked {@code DequantizeLinear}). */
        public boolean perGroup() {
            return groupSize > 0;
        }

        /** Equal when every component is, arrays compared by content. */
        @Override
        public boolean equals(Object o) {
            return o instanceof IntegerLayer l && layer.equals(l.layer) && signed == l.signed && bits == l.bits
                    && groupSize == l.groupSize && java.util.Arrays.equals(codes, l.codes) && java.util.Arrays.equals(scales, l.scales)
                    && java.util.Arrays.equals(zeroPoints, l.zeroPoints);
        }

        @Override
        public int hashCode() {
            return Objects.hash(layer, signed, bits, groupSize, java.util.Arrays.hashCode(codes),
                    java.util.Arrays.hashCode(scales), java.util.Arrays.hashCode(zeroPoints));
        }

        @Override
        public String toString() {
            return "IntegerLayer[" + layer + ", " + bits + " bits " + (signed ? "signed" : "unsigned") + ", "
                    + codes.length + " codes, " + scales.length + " scale(s)"
                    + (groupSize > 0 ? ", groups of " + groupSize : "") + "]";
        }
    }

    /**
     * Builds the quantized model: {@code model}'s graph with every listed layer's weight replaced as described above.
     *
     * @param model  the FP32 model as loaded (no replaced weights)
     * @param layers the layers to export in integer form; the others stay FP32
     * @throws IllegalArgumentException if {@code model} has replaced weights or external data, a layer is unknown,
     *                                  listed twice or does not fit its weight (size, channel count), or the model's
     *                                  opset cannot be moved to the one needed (the message says which and why)
     */
    public static OnnxExport of(OnnxModel model, List<IntegerLayer> layers) {
        return of(model, layers, false);
    }

    /**
     * Like {@link #of(OnnxModel, List)}, with layers of at most 4 bits stored as UINT4/INT4 when {@code int4} is
     * set (the model then goes to opset {@value #INT4_OPSET}).
     *
     * @throws IllegalArgumentException as {@link #of(OnnxModel, List)}, and if a 4-bit layer's codes do not fit
     *                                  4 bits
     */
    public static OnnxExport of(OnnxModel model, List<IntegerLayer> layers, boolean int4) {
        String src = model.source();
        if (!model.overrides().isEmpty()) {
            throw new IllegalArgumentException("'" + src + "' has replaced weights; export starts from the FP32 model"
                    + " as loaded and the integer codes of each layer");
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("nothing to export: no layer given");
        }
        OnnxGraph graph = model.graph();
        OnnxMl.ModelProto in = graph.proto();
        for (OnnxMl.TensorProto t : in.getGraph().getInitializerList()) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                throw new IllegalArgumentException("'" + src + "' keeps initializer '" + t.getName() + "' in an"
                        + " external data file; exporting models with external data is not supported yet");
            }
        }
        Map<String, IntegerLayer> byTensor = new LinkedHashMap<>();
        boolean perAxis = false;
        boolean nibbles = false;
        boolean blocked = false;
        for (IntegerLayer il : layers) {
            Layer l = model.layer(il.layer());
            if (il.codes.length != l.params()) {
                throw new IllegalArgumentException("layer '" + il.layer() + "' has " + l.params() + " weights, got "
                        + il.codes.length + " codes");
            }
            if (il.perGroup()) {
                blockedForm(l, il.groupSize()); // refuses a layout a block along one axis cannot express
                long expected = (long) l.channels() * groupsOf(l, il.groupSize());
                if (il.scales.length != expected) {
                    throw new IllegalArgumentException("layer '" + il.layer() + "' has " + l.channels()
                            + " output channels of " + l.params() / l.channels() + " weights, so "
                            + expected + " groups of " + il.groupSize() + ", got " + il.scales.length + " scales");
                }
            } else if (!il.perTensor() && il.scales.length != l.channels()) {
                throw new IllegalArgumentException("layer '" + il.layer() + "' has " + l.channels()
                        + " output channels (axis " + l.channelAxis() + "), got " + il.scales.length + " scales");
            }
            if (byTensor.put(l.tensorName(), il) != null) {
                throw new IllegalArgumentException("layer '" + il.layer() + "' is listed twice");
            }
            perAxis |= !il.perTensor();
            blocked |= il.perGroup();
            nibbles |= int4 && il.bits() <= 4;
        }
        int opset = defaultOpset(in);
        int needed = nibbles || blocked ? INT4_OPSET : perAxis ? PER_AXIS_OPSET : PER_TENSOR_OPSET;
        Names names = new Names(in.getGraph());
        List<String> conversions = new ArrayList<>();
        List<OnnxMl.NodeProto> body = in.getGraph().getNodeList();
        List<OnnxMl.TensorProto> extraInits = new ArrayList<>();
        if (opset < needed) {
            body = OpsetUpgrade.upgrade(src, opset, needed, body, names, extraInits, conversions);
        }
        OnnxMl.GraphProto.Builder g = in.getGraph().toBuilder().clearNode().clearInitializer().clearInput();
        for (OnnxMl.ValueInfoProto v : in.getGraph().getInputList()) {
            if (!byTensor.containsKey(v.getName())) {
                g.addInput(v);
            }
        }
        List<String> exported = new ArrayList<>();
        for (OnnxMl.TensorProto t : in.getGraph().getInitializerList()) {
            IntegerLayer il = byTensor.get(t.getName());
            if (il == null) {
                g.addInitializer(t);
                continue;
            }
            String base = t.getName();
            String q = names.fresh(base + "_quantized");
            String s = names.fresh(base + "_scale");
            String z = names.fresh(base + "_zero_point");
            boolean four = int4 && il.bits() <= 4;
            int type = storageType(il.signed(), four).getNumber();
            Layer layer = model.layer(il.layer());
            Blocked form = il.perGroup() ? blockedForm(layer, il.groupSize()) : null;
            List<Long> codeDims = form == null ? t.getDimsList() : form.codeDims();
            List<Long> paramDims = form != null ? form.paramDims()
                    : il.perTensor() ? List.of() : List.of((long) il.scales.length);
            float[] scales = form == null ? il.scales : form.reorder(il.scales);
            int[] zps = form == null ? il.zeroPoints : form.reorder(il.zeroPoints);
            g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(q).setDataType(type)
                    .addAllDims(codeDims).setRawData(four ? nibblesOf(il) : bytesOf(il.codes)));
            g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(s)
                    .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addAllDims(paramDims)
                    .setRawData(floatsOf(scales)));
            g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(z).setDataType(type).addAllDims(paramDims)
                    .setRawData(four ? nibbles(il.layer(), zps, il.signed()) : bytesOf(zps)));
            String dqOut = form != null && form.reshaped() ? names.fresh(base + "_dequantized") : base;
            OnnxMl.NodeProto.Builder dq = OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear")
                    .setName(names.freshNode(il.layer() + "/DequantizeLinear")).addInput(q).addInput(s).addInput(z)
                    .addOutput(dqOut);
            if (form != null) {
                dq.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(form.axis()));
                dq.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("block_size")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(il.groupSize()));
            } else if (!il.perTensor()) {
                dq.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(layer.channelAxis()));
            }
            if (form != null && form.reshaped()) {
                g.addNode(dq);
                String shape = names.fresh(base + "_shape");
                ByteBuffer dims = ByteBuffer.allocate(8 * t.getDimsCount()).order(ByteOrder.LITTLE_ENDIAN);
                t.getDimsList().forEach(dims::putLong);
                g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(shape)
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(t.getDimsCount())
                        .setRawData(ByteString.copyFrom(dims.array())));
                dq = OnnxMl.NodeProto.newBuilder().setOpType("Reshape")
                        .setName(names.freshNode(il.layer() + "/DequantizeLinear/Reshape")).addInput(dqOut)
                        .addInput(shape).addOutput(base);
            }
            g.addNode(dq);
            exported.add(il.layer());
        }
        g.addAllInitializer(extraInits);
        g.addAllNode(body);
        int newOpset = Math.max(opset, needed);
        OnnxMl.ModelProto.Builder m = in.toBuilder().setGraph(g).clearOpsetImport();
        boolean found = false;
        for (OnnxMl.OperatorSetIdProto o : in.getOpsetImportList()) {
            if (isDefault(o.getDomain())) {
                m.addOpsetImport(o.toBuilder().setVersion(newOpset));
                found = true;
            } else {
                m.addOpsetImport(o);
            }
        }
        if (!found) {
            m.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(newOpset));
        }
        if (newOpset >= PER_AXIS_OPSET && m.getIrVersion() < MIN_IR_FOR_13) {
            m.setIrVersion(MIN_IR_FOR_13);
        }
        if (newOpset >= INT4_OPSET && m.getIrVersion() < MIN_IR_FOR_21) {
            m.setIrVersion(MIN_IR_FOR_21);
        }
        return new OnnxExport(m.build(), opset, newOpset, List.copyOf(exported), List.copyOf(conversions));
    }

    /** The quantized model (immutable protobuf message). */
    public OnnxMl.ModelProto proto() {
        return proto;
    }

    /** The serialized quantized model. */
    public byte[] bytes() {
        return proto.toByteArray();
    }

    /** Size of {@link #bytes()} in bytes, without serializing. */
    public long byteSize() {
        return proto.getSerializedSize();
    }

    /** The default domain's opset of the source model. */
    public int originalOpset() {
        return originalOpset;
    }

    /** The default domain's opset of the exported model (the source's, or 10/13 if that was lower). */
    public int opset() {
        return opset;
    }

    /** Names of the layers stored as integers, in file order of their initializers. */
    public List<String> layers() {
        return layers;
    }

    /** Operators converted to move the model to a newer opset, one line per kind (empty when none were needed). */
    public List<String> conversions() {
        return conversions;
    }

    /**
     * Writes the model to {@code file} atomically ({@link OutputFiles#write}): a failure leaves no partial file and
     * any old file unchanged.
     */
    public void write(Path file) throws IOException {
        OutputFiles.write(file, proto::writeTo);
    }

    /**
     * Opens an ONNX Runtime session of the exported model (through {@link NativeSessions}, like every session of the
     * toolkit). Close the returned runner when done.
     *
     * @param threads intra-op threads (≥ 1)
     */
    public OnnxRunner open(OrtEnvironment env, int threads) throws OrtException {
        return open(env, threads, bytes());
    }

    /**
     * Opens an ONNX Runtime session of an exported model read back from {@code file} (as {@link #write} wrote it),
     * with the same session settings as {@link #open(OrtEnvironment, int)}. Close the returned runner when done.
     *
     * @param threads intra-op threads (≥ 1)
     * @throws IOException if the file cannot be read
     */
    public static OnnxRunner openFile(Path file, OrtEnvironment env, int threads) throws IOException, OrtException {
        return open(env, threads, java.nio.file.Files.readAllBytes(file));
    }

    private static OnnxRunner open(OrtEnvironment env, int threads, byte[] b) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            // ONNX Runtime fuses a blocked 4-bit DequantizeLinear + MatMul into MatMulNBits, which by default
            // (accuracy level 4) quantizes the activations to int8; level 0 keeps them float32, the file's meaning
            opts.addConfigEntry(MATMUL_NBITS_ACCURACY, "0");
            return NativeSessions.GLOBAL.call(() -> new OnnxRunner(env.createSession(b, opts), opts, List.of()));
        } catch (OrtException | RuntimeException ex) {
            opts.close();
            throw ex;
        }
    }

    static boolean isDefault(String domain) {
        return domain.isEmpty() || domain.equals("ai.onnx");
    }

    /** The opset the model imports for the default domain (1 if it imports none, as ONNX assumes). */
    static int defaultOpset(OnnxMl.ModelProto m) {
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
            if (isDefault(o.getDomain())) {
                return (int) o.getVersion();
            }
        }
        return 1;
    }

    /**
     * How a per-group layer is written as blocked {@code DequantizeLinear} (opset 21: {@code axis} and
     * {@code block_size}; the scale has the codes' rank, {@code ⌈D/G⌉} along the blocked axis and the codes' size
     * along the others, so a ragged last block is allowed: the spec accepts any block size in
     * {@code [⌈D/S⌉, ⌈D/(S−1)⌉ − 1]} for {@code S} scales along the axis, which {@code G} with
     * {@code S = ⌈D/G⌉} always satisfies).
     *
     * <ul>
     *   <li>MatMul weight {@code [in, out]} (channel axis 1): blocks along axis 0, scale {@code [⌈in/G⌉, out]} —
     *       exactly the quant package's group-major layout;</li>
     *   <li>Gemm with {@code transB} {@code [out, in]} (axis 0): blocks along axis 1, scale {@code [out, ⌈in/G⌉]};
     *       </li>
     *   <li>Conv {@code [out, in, kh, kw]} (axis 0): the groups run over the flattened {@code in·kh·kw}, which is
     *       one axis only after a reshape, so the codes are stored as {@code [out, in·kh·kw]}, dequantized with
     *       blocks along axis 1, and a {@code Reshape} gives the weight its shape back (any G, no refusal).</li>
     * </ul>
     *
     * @param axis     the blocked axis of the stored codes
     * @param codeDims the stored codes' dims
     * @param channels output channels
     * @param groups   groups per output channel
     * @param reshaped whether a {@code Reshape} follows (codes stored flattened)
     */
    record Blocked(int axis, List<Long> codeDims, int channels, int groups, boolean reshaped) {
        /** The scale's (and zero-point's) dims. */
        List<Long> paramDims() {
            return axis == 0 ? List.of((long) groups, (long) channels) : List.of((long) channels, (long) groups);
        }

        /** Group-major {@code [groups, channels]} parameters in the stored order. */
        float[] reorder(float[] v) {
            if (axis == 0) {
                return v.clone();
            }
            float[] out = new float[v.length];
            for (int g = 0; g < groups; g++) {
                for (int c = 0; c < channels; c++) {
                    out[c * groups + g] = v[g * channels + c];
                }
            }
            return out;
        }

        /** As {@link #reorder(float[])} for zero-points. */
        int[] reorder(int[] v) {
            if (axis == 0) {
                return v.clone();
            }
            int[] out = new int[v.length];
            for (int g = 0; g < groups; g++) {
                for (int c = 0; c < channels; c++) {
                    out[c * groups + g] = v[g * channels + c];
                }
            }
            return out;
        }
    }

    /** Groups per output channel of {@code l} for groups of {@code g}: {@code ⌈D / G⌉}, D = weights per channel. */
    public static int groupsOf(Layer l, int g) {
        long d = l.params() / l.channels();
        return (int) ((d + g - 1) / g);
    }

    /**
     * The blocked form of layer {@code l} with groups of {@code g} (see {@link Blocked}).
     *
     * @throws IllegalArgumentException for a weight whose channel axis is neither the first nor the last of a 2-D
     *                                  tensor (no model the toolkit reads has one)
     */
    static Blocked blockedForm(Layer l, int g) {
        int[] shape = l.shape();
        int channels = l.channels();
        int groups = groupsOf(l, g);
        long d = l.params() / channels;
        if (l.channelAxis() == 1 && shape.length == 2) {
            return new Blocked(0, List.of((long) shape[0], (long) shape[1]), channels, groups, false);
        }
        if (l.channelAxis() == 0) {
            return new Blocked(1, List.of((long) channels, d), channels, groups, shape.length != 2);
        }
        throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.shapeString() + ", channel axis "
                + l.channelAxis() + "): per-group scales are exported for weights with output channels first, or"
                + " last of a 2-D weight, only");
    }

    /**
     * The blocked {@code DequantizeLinear} axis of layer {@code l}'s stored codes with groups of {@code g}: 0 for a
     * MatMul {@code [in, out]}, 1 for output-channel-first weights (see {@link Blocked}).
     *
     * @throws IllegalArgumentException for a layout that is not exported per group
     */
    public static int blockedAxis(Layer l, int g) {
        return blockedForm(l, g).axis();
    }

    /** The ONNX type of stored codes: (U)INT4 or (U)INT8. */
    public static OnnxMl.TensorProto.DataType storageType(boolean signed, boolean fourBits) {
        if (fourBits) {
            return signed ? OnnxMl.TensorProto.DataType.INT4 : OnnxMl.TensorProto.DataType.UINT4;
        }
        return signed ? OnnxMl.TensorProto.DataType.INT8 : OnnxMl.TensorProto.DataType.UINT8;
    }

    private static ByteString nibblesOf(IntegerLayer il) {
        return nibbles(il.layer(), il.codes, il.signed());
    }

    /** Two values per byte, element 2k in the low nibble and 2k+1 in the high one (ONNX's INT4/UINT4 layout). */
    private static ByteString nibbles(String layer, int[] v, boolean signed) {
        int lo = signed ? -8 : 0;
        int hi = signed ? 7 : 15;
        byte[] b = new byte[(v.length + 1) / 2];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < lo || v[i] > hi) {
                throw new IllegalArgumentException("layer '" + layer + "': value " + v[i] + " does not fit "
                        + (signed ? "INT4" : "UINT4"));
            }
            b[i / 2] |= (byte) ((v[i] & 0xF) << ((i % 2) * 4));
        }
        return ByteString.copyFrom(b);
    }

    private static ByteString bytesOf(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return ByteString.copyFrom(b);
    }

    private static ByteString floatsOf(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    /** Tensor and node names in use, handing out new ones that collide with none. */
    static final class Names {
        private final Set<String> tensors = new HashSet<>();
        private final Set<String> nodes = new HashSet<>();

        Names(OnnxMl.GraphProto g) {
            g.getInitializerList().forEach(t -> tensors.add(t.getName()));
            g.getInputList().forEach(v -> tensors.add(v.getName()));
            g.getOutputList().forEach(v -> tensors.add(v.getName()));
            g.getValueInfoList().forEach(v -> tensors.add(v.getName()));
            for (OnnxMl.NodeProto n : g.getNodeList()) {
                tensors.addAll(n.getInputList());
                tensors.addAll(n.getOutputList());
                nodes.add(n.getName());
            }
        }

        /** {@code base}, or {@code base_2}, {@code base_3}, ... if taken; the name is then taken. */
        String fresh(String base) {
            return take(tensors, base);
        }

        /** Like {@link #fresh} for node names. */
        String freshNode(String base) {
            return take(nodes, base);
        }

        private static String take(Set<String> used, String base) {
            String n = base;
            for (int k = 2; !used.add(n); k++) {
                n = base + "_" + k;
            }
            return n;
        }
    }
}
