package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.tensor.WeightTensor;

class IntegerWeightsTest {
    private static WeightTensor random(int[] shape, int axis, long seed) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * (1 + i % 3));
        }
        return WeightTensor.of(v, shape, axis);
    }

    /** Codes and fake quantization share one formula, so dequantized codes equal FakeQuant exactly (no tolerance). */
    @Test
    void dequantizedCodesEqualFakeQuantBitForBit() {
        WeightTensor matmul = random(new int[] {6, 5}, 1, 1);
        WeightTensor conv = random(new int[] {4, 3, 2, 2}, 0, 2);
        for (WeightTensor w : new WeightTensor[] {matmul, conv}) {
            for (Scheme s : Scheme.values()) {
                for (Granularity g : TestGranularities.all()) {
                    for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                        QuantSpec spec = new QuantSpec(b, s, g);
                        IntegerWeights iw = IntegerWeights.nearest(w, spec);
                        assertArrayEquals(FakeQuant.apply(w, spec).toArray(), iw.dequantize().toArray(),
                                spec + " " + w);
                        for (int i = 0; i < iw.size(); i++) {
                            assertTrue(iw.code(i) >= spec.qmin() && iw.code(i) <= spec.qmax(), spec + " code " + i);
                        }
                        assertEquals(s == Scheme.SYMMETRIC, iw.signed());
                        assertEquals(g.paramCount(w), iw.params().count());
                    }
                }
            }
        }
    }

    @Test
    void codesFollowTheChannelAxisAndInputIsUnchanged() {
        // [in=2, out=2], axis 1: channel 0 = {0, 255}, channel 1 = {-51, 204}; 8-bit asymmetric, both scales
        // exactly 1 (range 255), so the codes are known without float rounding
        float[] data = {0f, -51f, 255f, 204f};
        WeightTensor w = WeightTensor.of(data, new int[] {2, 2}, 1);
        IntegerWeights iw = IntegerWeights.nearest(w, QuantSpec.asymmetric(8));
        assertArrayEquals(new int[] {0, 0, 255, 255}, iw.codes());
        assertArrayEquals(new int[] {0, 51}, iw.params().zeroPoints());
        assertArrayEquals(new float[] {1f, 1f}, iw.params().scales());
        assertArrayEquals(new float[] {0f, -51f, 255f, 204f}, w.toArray());
        assertEquals(1, iw.channelAxis());
        assertArrayEquals(new int[] {2, 2}, iw.shape());
    }

    @Test
    void rejectsParamsOfAnotherChannelCount() {
        WeightTensor w = random(new int[] {3, 4}, 1, 3);
        QParams three = QParams.of(QuantSpec.asymmetric(4), new float[] {1f, 1f, 1f}, new int[] {0, 0, 0});
        assertThrows(IllegalArgumentException.class, () -> IntegerWeights.of(w, three));
    }

    /**
     * Codes recovered from dequantized weights are the codes (every granularity and scheme, exact); a weight moved
     * by one ulp, or one beyond the grid's range, is named in the error.
     */
    @Test
    void recoverGivesBackTheCodesAndRejectsWeightsOffTheGrid() {
        Random r = new Random(3);
        float[] v = new float[6 * 10];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        WeightTensor w = WeightTensor.wrap(v, new int[] {10, 6}, 1);
        for (Scheme scheme : Scheme.values()) {
            for (Granularity g : new Granularity[] {Granularity.PER_TENSOR, Granularity.PER_CHANNEL,
                    Granularity.perGroup(4)}) {
                IntegerWeights iw = IntegerWeights.nearest(w, new QuantSpec(3, scheme, g));
                WeightTensor deq = iw.dequantize();
                IntegerWeights back = IntegerWeights.recover(deq, iw.params());
                assertArrayEquals(iw.codes(), back.codes(), scheme + " " + g);
                assertArrayEquals(deq.toArray(), back.dequantize().toArray());
                float[] moved = deq.toArray();
                moved[7] = Math.nextUp(moved[7]);
                String msg = assertThrows(IllegalArgumentException.class, () -> IntegerWeights.recover(
                        WeightTensor.wrap(moved, new int[] {10, 6}, 1), iw.params())).getMessage();
                assertTrue(msg.startsWith("weight 7 ") && msg.contains("is not on the grid"), msg);
            }
        }
        IntegerWeights iw = IntegerWeights.nearest(w, QuantSpec.asymmetric(2));
        float[] beyond = iw.dequantize().toArray();
        int k = iw.params().indexOf(w, 0);
        beyond[0] = (float) (iw.spec().qmax() + 1 - iw.params().zeroPoint(k)) * iw.params().scale(k);
        String msg = assertThrows(IllegalArgumentException.class, () -> IntegerWeights.recover(
                WeightTensor.wrap(beyond, new int[] {10, 6}, 1), iw.params())).getMessage();
        assertTrue(msg.contains("is outside 0..3"), msg);
    }
}
