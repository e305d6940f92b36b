package org.mixquant.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mixquant.FuzzGen;
import org.mixquant.ParserFuzzing;
import org.mixquant.model.onnx.OnnxModel;

/**
 * Fuzzes ONNX loading ({@link OnnxModel#fromBytes}) with {@link ParserFuzzing}: seeded mutation fuzzing in plain
 * JUnit, {@link ParserFuzzing#TRIES} tries per property.
 */
class OnnxModelFuzzTest {
    /** A valid two-layer model (MatMul with raw data, Gemm with transB) of a few hundred bytes. */
    static final byte[] MLP = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).bytes();
    /** A valid BERT-shaped model of a few kB with three MatMul layers and biases. */
    static final byte[] BERT = TinyBert.bytes(3);

    /** What a model that loads must satisfy: unique layer names, weights of their declared size, counts ≥ 0. */
    static void valid(OnnxModel m) {
        Set<String> names = new HashSet<>();
        for (Layer l : m.layers()) {
            assertTrue(names.add(l.name()), "duplicate layer name " + l.name());
            long n = 1;
            for (int d : l.weight().shape()) {
                n *= d;
            }
            assertEquals(n, l.params());
        }
        assertTrue(m.otherParams() >= 0 && m.otherBits() >= 0);
    }

    static void load(byte[] bytes) {
        ParserFuzzing.returnsOrRejects(() -> OnnxModel.fromBytes("fuzz.onnx", bytes), OnnxModelFuzzTest::valid,
                IllegalArgumentException.class);
    }

    /** Model bytes and how they were made, for a failure message. */
    record Input(String how, byte[] bytes) {
        @Override
        public String toString() {
            return how + "; " + bytes.length + " bytes (hex): " + FuzzGen.hex(bytes);
        }
    }

    /** One of the valid models with 1..8 bytes replaced by random values at random places. */
    static Input mutatedModel(FuzzGen g) {
        boolean bert = g.bool();
        byte[] b = (bert ? BERT : MLP).clone();
        List<int[]> edits = g.list(1, 8, () -> new int[] {g.between(0, b.length - 1), g.between(0, 255)});
        for (int[] e : edits) {
            b[e[0]] = (byte) e[1];
        }
        return new Input((bert ? "BERT" : "MLP") + " with bytes (position=value) " + edits.stream()
                .map(e -> e[0] + "=" + e[1]).collect(Collectors.joining(", ")), b);
    }

    @Test
    void mutatedBytes() {
        ParserFuzzing.forAll("OnnxModelFuzzTest.mutatedBytes", ParserFuzzing.TRIES, OnnxModelFuzzTest::mutatedModel,
                Input::toString, in -> load(in.bytes()));
    }

    @Test
    void truncations() {
        ParserFuzzing.forAll("OnnxModelFuzzTest.truncations", ParserFuzzing.TRIES, g -> {
            int cut = g.between(0, 100_000);
            boolean bert = g.bool();
            byte[] base = bert ? BERT : MLP;
            int keep = cut % (base.length + 1);
            return new Input("the first " + keep + " of " + base.length + " bytes of " + (bert ? "BERT" : "MLP"),
                    Arrays.copyOf(base, keep));
        }, Input::toString, in -> load(in.bytes()));
    }

    @Test
    void randomBytes() {
        ParserFuzzing.forAll("OnnxModelFuzzTest.randomBytes", ParserFuzzing.TRIES,
                g -> new Input("random bytes", g.bytes(512)), Input::toString, in -> load(in.bytes()));
    }

    /** Hostile dims, data type and data lengths for the MLP's first weight, the shapes a mutation rarely makes. */
    record Initializer(List<Long> dims, int dataType, int rawBytes, int floatValues, boolean external) {
        byte[] model() throws Exception {
            OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(MLP);
            OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
            OnnxMl.TensorProto.Builder t = g.getInitializer(0).toBuilder().clearDims().addAllDims(dims)
                    .setDataType(dataType).setRawData(ByteString.copyFrom(new byte[rawBytes])).clearFloatData();
            for (int i = 0; i < floatValues; i++) {
                t.addFloatData(i);
            }
            if (external) {
                t.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
            }
            g.setInitializer(0, t);
            return m.toBuilder().setGraph(g).build().toByteArray();
        }

        @Override
        public String toString() {
            String hex;
            try {
                hex = FuzzGen.hex(model());
            } catch (Exception e) {
                hex = "(" + e + ")";
            }
            return "first initializer with dims " + dims + ", data type " + dataType + ", " + rawBytes
                    + " raw bytes, " + floatValues + " float values" + (external ? ", external data" : "")
                    + "; model (hex): " + hex;
        }
    }

    /** A dim: small (-3..8), a value at an overflow edge, or any long, each a third of the time. */
    static long dim(FuzzGen g) {
        switch (g.between(0, 2)) {
            case 0:
                return g.longBetween(-3, 8);
            case 1:
                return g.pick(0L, 46340L, 46341L, (long) Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE);
            default:
                return g.anyLong();
        }
    }

    @Test
    void hostileInitializer() {
        ParserFuzzing.forAll("OnnxModelFuzzTest.hostileInitializer", ParserFuzzing.TRIES,
                g -> new Initializer(g.list(0, 4, () -> dim(g)), g.between(0, 25), g.between(0, 64),
                        g.between(0, 16), g.bool()), Initializer::toString, in -> load(in.model()));
    }

    @Test
    void theValidModelsLoad() {
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), OnnxModel.fromBytes("mlp", MLP).layerNames());
        assertEquals(3, OnnxModel.fromBytes("bert", BERT).layers().size());
    }
}
