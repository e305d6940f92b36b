package org.mixquant.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.mixquant.ParserFuzzing;

/** Fuzzes ONNX loading ({@link OnnxModel#fromBytes}) with {@link ParserFuzzing}. */
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

    /** One of the valid models with 1..8 bytes replaced by random values at random places. */
    @Provide
    Arbitrary<byte[]> mutatedModels() {
        return Arbitraries.of(MLP, BERT).flatMap(base -> {
            Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, base.length - 1),
                    Arbitraries.integers().between(0, 255)).as((p, v) -> new int[] {p, v});
            return edit.list().ofMinSize(1).ofMaxSize(8).map(edits -> {
                byte[] b = base.clone();
                for (int[] e : edits) {
                    b[e[0]] = (byte) e[1];
                }
                return b;
            });
        });
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void mutatedBytes(@ForAll("mutatedModels") byte[] bytes) {
        load(bytes);
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void truncations(@ForAll @IntRange(min = 0, max = 100_000) int cut, @ForAll boolean bert) {
        byte[] base = bert ? BERT : MLP;
        load(java.util.Arrays.copyOf(base, cut % (base.length + 1)));
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void randomBytes(@ForAll @Size(max = 512) byte[] bytes) {
        load(bytes);
    }

    /** Hostile dims, data types and data lengths for the MLP's first weight, the shapes a mutation rarely makes. */
    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void hostileInitializer(@ForAll @Size(max = 4) List<@net.jqwik.api.From("dims") Long> dims,
            @ForAll @IntRange(min = 0, max = 25) int dataType, @ForAll @IntRange(min = 0, max = 64) int rawBytes,
            @ForAll @IntRange(min = 0, max = 16) int floatValues, @ForAll boolean external) throws Exception {
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
        load(m.toBuilder().setGraph(g).build().toByteArray());
    }

    @Provide
    Arbitrary<Long> dims() {
        return Arbitraries.oneOf(Arbitraries.longs().between(-3, 8),
                Arbitraries.of(0L, 46340L, 46341L, (long) Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE),
                Arbitraries.longs());
    }

    @Property(tries = 10, seed = ParserFuzzing.SEED)
    void theValidModelsLoad() {
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), OnnxModel.fromBytes("mlp", MLP).layerNames());
        assertEquals(3, OnnxModel.fromBytes("bert", BERT).layers().size());
    }
}
