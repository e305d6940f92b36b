package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.data.NamedArrays;
import org.mixquant.data.NpyArray;
import org.mixquant.data.NpzFiles;
import org.mixquant.model.TinyOnnx;

class OnnxFeedsTest {
    /** ONNX Runtime's float kernels sum in another order than this test's double loop. */
    static final float OUT_TOL = 1e-5f;

    static final OnnxModel MLP = OnnxModel.fromBytes("mlp", TinyOnnx.mlpNet(3).bytes());

    @Test
    void runsAnyModelOnNamedArraysAndReturnsItsFloatOutputs() throws Exception {
        NpyArray x = NpzFiles.random("x", 5, 6, 8);
        Map<String, OnnxFeeds.Tensor> out = OnnxFeeds.outputs(MLP,
                new NamedArrays("t", Map.of("x", x, "extra", NpzFiles.random("extra", 1, 2))), 1);
        assertEquals(java.util.List.of("y"), java.util.List.copyOf(out.keySet()));
        assertArrayEquals(new long[] {6, 4}, out.get("y").shape());
        float[] w1 = TinyOnnx.values(128, 3);
        float[] b1 = TinyOnnx.values(16, 4);
        float[] w2 = TinyOnnx.values(64, 5);
        float[] b2 = TinyOnnx.values(4, 6);
        float[] xv = x.floats();
        for (int n = 0; n < 6; n++) {
            for (int o = 0; o < 4; o++) {
                double y = b2[o];
                for (int h = 0; h < 16; h++) {
                    double a = b1[h];
                    for (int i = 0; i < 8; i++) {
                        a += (double) xv[n * 8 + i] * w1[i * 16 + h];
                    }
                    y += Math.max(a, 0) * (w2[h * 4 + o] * 0.5f);
                }
                assertEquals((float) y, out.get("y").values()[n * 4 + o], OUT_TOL);
            }
        }
        assertEquals(java.util.List.of("extra"), OnnxFeeds.unused(MLP, new NamedArrays("t", Map.of("x", x,
                "extra", NpzFiles.random("extra", 1, 2)))));
    }

    @Test
    void aMissingInputOrAWrongTypeOrShapeIsOneLineNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxFeeds.outputs(MLP,
                new NamedArrays("in.npz", Map.of("z", NpzFiles.random("z", 1, 2, 8))), 1));
        assertEquals("in.npz has no array 'x' for graph input 'x' (expected float32 [?, 8]; the file has z)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxFeeds.outputs(MLP, new NamedArrays("in.npz",
                Map.of("x", NpyArray.ofDoubles("x", new double[16], 2, 8))), 1));
        assertEquals("graph input 'x' expects float32 [?, 8], but in.npz has float64 [2, 8] (convert with numpy"
                + " .astype(np.float32))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxFeeds.outputs(MLP, new NamedArrays("in.npz",
                Map.of("x", NpzFiles.random("x", 1, 2, 7))), 1));
        assertEquals("graph input 'x' expects float32 [?, 8], but in.npz has float32 [2, 7]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxFeeds.outputs(MLP, new NamedArrays("in.npz",
                Map.of("x", NpzFiles.random("x", 1, 16))), 1));
        assertTrue(e.getMessage().contains("float32 [16]"), e.getMessage());
    }
}
