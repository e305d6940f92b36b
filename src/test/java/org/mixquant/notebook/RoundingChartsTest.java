package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.mixquant.methods.Gptq;
import org.mixquant.quant.ChannelErrors;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

/** Group and error-feedback charts: the plotted values are the library's, in order, and render. */
class RoundingChartsTest {
    @Test
    void channelErrorsPlotEachGranularitysSortedChannelErrors() throws Exception {
        Random r = new Random(1);
        float[] w = new float[64 * 8];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        WeightTensor t = WeightTensor.of(w, new int[] {64, 8}, 1);
        List<Granularity> gs = List.of(Granularity.PER_CHANNEL, Granularity.perGroup(16));
        XYChart c = RoundingCharts.channelErrors("t", t, 4, gs);
        assertEquals(List.of("per-channel, int4", "G = 16, int4"), new ArrayList<>(c.getSeriesMap().keySet()));
        assertTrue(c.getStyler().isYAxisLogarithmic());
        for (Granularity g : gs) {
            XYSeries s = c.getSeriesMap().get(RoundingCharts.label(g) + ", int4");
            assertArrayEquals(ChannelErrors.mseDescending(t, new QuantSpec(4, Scheme.ASYMMETRIC, g)), s.getYData(),
                    0.0);
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, s.getXData(), 0.0);
        }
        assertTrue(Charts.toImage(c).getWidth() > 0);
        assertThrows(IllegalArgumentException.class, () -> RoundingCharts.channelErrors("t", t, 4, List.of()));
    }

    @Test
    void exactChannelsAreLeftOffTheLogAxis() {
        assertEquals(2, RoundingCharts.positiveCount(new double[] {3, 1, 0, 0}));
        assertEquals(0, RoundingCharts.positiveCount(new double[] {0}));
        // channel 1 is all zeros: exact at any bits
        WeightTensor t = WeightTensor.of(new float[] {1f, 0f, -0.3f, 0f, 0.7f, 0f}, new int[] {3, 2}, 1);
        XYChart c = RoundingCharts.channelErrors("t", t, 2, List.of(Granularity.PER_CHANNEL));
        assertEquals(1, c.getSeriesMap().get("per-channel, int2").getYData().length);
    }

    @Test
    void errorFeedbackLinesAreNearestAndGptqLossesPerBitWidth() throws Exception {
        List<Gptq.LayerReport> reps = List.of(new Gptq.LayerReport("l", 4, 10, 5, 2.0, 1.0, 0.01, 0, 0.1),
                new Gptq.LayerReport("l", 2, 10, 5, 40.0, 9.0, 0.01, 0, 0.1));
        XYChart c = RoundingCharts.errorFeedback("t", reps);
        XYSeries n = c.getSeriesMap().get("round to nearest");
        XYSeries g = c.getSeriesMap().get("GPTQ (error feedback)");
        assertArrayEquals(new double[] {4, 2}, n.getXData(), 0.0);
        assertArrayEquals(new double[] {2, 40}, n.getYData(), 0.0);
        assertArrayEquals(new double[] {4, 2}, g.getXData(), 0.0);
        assertArrayEquals(new double[] {1, 9}, g.getYData(), 0.0);
        assertTrue(c.getStyler().isYAxisLogarithmic());
        assertTrue(Charts.toImage(c).getWidth() > 0);
        assertThrows(IllegalArgumentException.class, () -> RoundingCharts.errorFeedback("t", List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RoundingCharts.errorFeedback(
                "t", List.of(new Gptq.LayerReport("exact", 8, 10, 5, 0.0, 0.0, 0.01, 0, 0.1))));
        assertTrue(e.getMessage().contains("exact"), e.getMessage());
    }
}
