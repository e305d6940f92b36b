package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.model.TinyOnnx;
import org.mixquant.tensor.WeightTensor;

class OnnxSuffixTest {
    /**
     * x → A = x·W1 → B = A + (−c0) → D = B·W2 → F = D + relu(x); outputs F and A. {@code Neg(c0)} reads only an
     * initializer (a constant node), {@code relu(x)} is a side branch no weight changes.
     */
    static OnnxModel model() {
        byte[] bytes = new TinyOnnx().input("x", 2, 4).output("F", 2, 4).output("A", 2, 3)
                .init("W1", TinyOnnx.values(12, 1), 4, 3).init("W2", TinyOnnx.values(12, 2), 3, 4)
                .init("c0", new float[] {0.25f, -0.5f, 1f}, 3)
                .node("MatMul", "fc1", List.of("x", "W1"), List.of("A"))
                .node("Neg", "neg", List.of("c0"), List.of("c"))
                .node("Add", "add", List.of("A", "c"), List.of("B"))
                .node("Relu", "relu", List.of("x"), List.of("E"))
                .node("MatMul", "fc2", List.of("B", "W2"), List.of("D"))
                .node("Add", "sum", List.of("D", "E"), List.of("F")).bytes();
        return OnnxModel.fromBytes("tiny", bytes);
    }

    static List<String> names(OnnxSuffix s) {
        return s.nodes().stream().map(OnnxMl.NodeProto::getName).toList();
    }

    @Test
    void theSuffixHoldsWhatTheWeightChangesPlusTheConstantsItReads() {
        OnnxGraph g = model().graph();
        OnnxSuffix second = OnnxSuffix.of(g, "W2");
        assertEquals(List.of("fc2", "sum"), names(second));
        assertEquals(List.of("B", "E"), second.boundary());
        assertEquals(List.of("F"), second.outputs());

        OnnxSuffix first = OnnxSuffix.of(g, "W1");
        assertEquals(List.of("fc1", "neg", "add", "fc2", "sum"), names(first), "Neg(c0) is pulled in, Relu(x) not");
        assertEquals(List.of("x", "E"), first.boundary());
        assertEquals(List.of("F", "A"), first.outputs());
        assertThrows(IllegalArgumentException.class, () -> OnnxSuffix.of(g, "nope"));
    }

    @Test
    void theProbeGivesWhatTheWholeModelGivesWithTheWeightReplaced() throws Exception {
        OnnxModel m = model();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Map<String, OnnxTensor>> batches = new ArrayList<>();
        try {
            for (long seed = 10; seed < 13; seed++) {
                batches.add(Map.of("x", OnnxTensor.createTensor(env, FloatBuffer.wrap(TinyOnnx.values(8, seed)),
                        new long[] {2, 4})));
            }
            for (String layer : List.of("fc1", "fc2")) {
                WeightTensor w = m.layer(layer).weight();
                float[] changed = w.unsafeData().clone();
                for (int i = 0; i < changed.length; i++) {
                    changed[i] = Math.round(changed[i] * 4) / 4f;
                }
                WeightTensor q = WeightTensor.wrap(changed, w.shape(), w.channelAxis());
                float[][] probed = new float[batches.size()][];
                try (LayerProbe probe = LayerProbe.open(m, batches, 1)) {
                    probe.run(layer, q, (b, out) -> probed[b] = flat(out.getValue()));
                }
                try (OnnxRunner whole = m.withWeights(Map.of(layer, q)).open(env, 1)) {
                    for (int b = 0; b < batches.size(); b++) {
                        try (OrtSession.Result r = whole.session().run(batches.get(b))) {
                            float[] expected = flat(r.get("F").orElseThrow().getValue());
                            assertArrayEquals(expected, probed[b], 1e-6f, layer + " batch " + b);
                            assertTrue(expected.length == 8);
                        }
                    }
                }
            }
        } finally {
            batches.forEach(b -> b.values().forEach(OnnxTensor::close));
        }
    }

    static float[] flat(Object value) {
        float[][] rows = (float[][]) value;
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }
}
