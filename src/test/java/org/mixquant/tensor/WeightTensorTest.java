package org.mixquant.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WeightTensorTest {
    @Test
    void copiesItsInputAndHandsOutCopies() {
        float[] data = {1, 2, 3, 4, 5, 6};
        WeightTensor w = WeightTensor.of(data, new int[] {2, 3}, 1);
        data[0] = 99;
        assertEquals(1f, w.get(0), "later changes to the caller's array do not leak in");
        w.toArray()[1] = 99;
        assertEquals(2f, w.get(1));
        w.shape()[0] = 7;
        assertArrayEquals(new int[] {2, 3}, w.shape());
    }

    @Test
    void viewsAsOuterChannelsInner() {
        WeightTensor w = WeightTensor.of(new float[24], new int[] {2, 3, 4}, 1);
        assertEquals(2, w.outer());
        assertEquals(3, w.channels());
        assertEquals(4, w.inner());
        assertEquals(0, w.channelOf(3));
        assertEquals(1, w.channelOf(4));
        assertEquals(2, w.channelOf(11));
        assertEquals(0, w.channelOf(12));
    }

    @Test
    void channelMinMaxOnEveryAxis() {
        // [2, 3]: rows (1, -2, 3), (4, 5, -6)
        float[] d = {1, -2, 3, 4, 5, -6};
        float[] lo = new float[3];
        float[] hi = new float[3];
        WeightTensor.of(d, new int[] {2, 3}, 1).channelMinMax(lo, hi);
        assertArrayEquals(new float[] {1, -2, -6}, lo);
        assertArrayEquals(new float[] {4, 5, 3}, hi);
        float[] lo0 = new float[2];
        float[] hi0 = new float[2];
        WeightTensor.of(d, new int[] {2, 3}, 0).channelMinMax(lo0, hi0);
        assertArrayEquals(new float[] {-2, -6}, lo0);
        assertArrayEquals(new float[] {3, 5}, hi0);
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(new float[5], new int[] {2, 3}, 0));
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(new float[6], new int[] {2, 3}, 2));
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(new float[0], new int[] {0}, 0));
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(new float[1], new int[] {}, 0));
    }

    @Test
    void findsNonFiniteValues() {
        assertEquals(-1, WeightTensor.vector(1, 2).firstNonFinite());
        assertEquals(1, WeightTensor.vector(1, Float.NaN, Float.POSITIVE_INFINITY).firstNonFinite());
    }
}
