package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.tensor.WeightTensor;

/** Per-channel round-off error: exact small cases, agreement with the one-pass sweep, groups, input unchanged. */
class ChannelErrorsTest {
    /** Sums of the same squared errors in a different order than the sweep. */
    static final double SUM_REL_TOL = 1e-9;

    @Test
    void aChannelOnItsGridIsExactAndAnOutlierChannelIsNot() {
        // MatMul [in = 4, out = 2], channel axis 1: channel 0 = {0, 1, 2, 3} (exactly the 2-bit grid, scale 1),
        // channel 1 = {0, 0.5, 0.5, 3}: scale 1, 0.5 is a tie and rounds half to even to 0 → error 0.25 twice
        float[] w = {0f, 0f, 1f, 0.5f, 2f, 0.5f, 3f, 3f};
        WeightTensor t = WeightTensor.of(w, new int[] {4, 2}, 1);
        double[] mse = ChannelErrors.mse(t, new QuantSpec(2, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
        assertArrayEquals(new double[] {0, 2 * 0.25 / 4}, mse, 0.0);
        assertArrayEquals(new double[] {2 * 0.25 / 4, 0}, ChannelErrors.mseDescending(t,
                new QuantSpec(2, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)), 0.0);
    }

    @Test
    void channelMeansAverageToTheSweepsErrorAndGroupsLowerTheOutlierChannel() {
        Random rnd = new Random(3);
        int in = 256;
        int out = 16;
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.05 * rnd.nextGaussian());
        }
        w[5 * out + 7] = 1.5f; // one outlier in channel 7, input row 5
        float[] before = w.clone();
        WeightTensor t = WeightTensor.of(w, new int[] {in, out}, 1);
        for (Granularity g : new Granularity[] {Granularity.PER_TENSOR, Granularity.PER_CHANNEL,
            Granularity.perGroup(32)}) {
            double[] mse = ChannelErrors.mse(t, new QuantSpec(4, Scheme.ASYMMETRIC, g));
            double mean = 0;
            for (double m : mse) {
                mean += m / out;
            }
            double sweep = ErrorSweep.sweep(t, Scheme.ASYMMETRIC, g).mse(4);
            assertEquals(sweep, mean, SUM_REL_TOL * sweep, g.label());
        }
        double[] perChannel = ChannelErrors.mse(t, new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
        double[] grouped = ChannelErrors.mse(t, new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.perGroup(32)));
        // the outlier stretches channel 7's whole range per channel, only its own group of 32 with groups
        for (int c = 0; c < out; c++) {
            if (c != 7) {
                assertTrue(perChannel[7] > 10 * perChannel[c], "channel " + c);
            }
        }
        assertTrue(grouped[7] < perChannel[7] / 4, grouped[7] + " vs " + perChannel[7]);
        assertArrayEquals(before, w, 0f);
    }
}
