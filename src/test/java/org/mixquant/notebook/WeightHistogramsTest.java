package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

/** Weight histograms: the grid is FakeQuant's levels, every weight is counted once, the grid fades as it densifies. */
class WeightHistogramsTest {
    @TempDir
    Path tmp;

    static XYSeries grid(XYChart c) {
        return c.getSeriesMap().values().stream().filter(s -> s.getName().startsWith("int")).findFirst()
                .orElseThrow();
    }

    static XYSeries histogram(XYChart c) {
        return c.getSeriesMap().values().stream().filter(s -> s.getName().startsWith("weights")).findFirst()
                .orElseThrow();
    }

    static XYChart perTensor(WeightTensor w, int bits) {
        return WeightHistograms.weightHistogram("query weights", w, new QuantSpec(bits, Scheme.ASYMMETRIC,
                Granularity.PER_TENSOR), -1);
    }

    @Test
    void theGridIsEveryLevelFakeQuantProducesAndEveryWeightIsInOneBin() throws IOException {
        WeightTensor w = ChartsTest.weights();
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            XYChart c = perTensor(w, b);
            assertEquals(2, c.getSeriesMap().size(), "histogram + grid");
            int levels = 1 << b;
            double[] gx = grid(c).getXData();
            assertEquals(3 * levels, gx.length, "two points and a gap per level");
            QParams p = QParams.choose(w, new QuantSpec(b, Scheme.ASYMMETRIC, Granularity.PER_TENSOR));
            for (int q = 0; q < levels; q++) {
                assertEquals((float) (q - p.zeroPoint(0)) * p.scale(0), gx[3 * q], 0.0,
                        "level " + q + " is the dequantized value FakeQuant produces");
            }
            assertEquals(0.0, gx[3 * p.zeroPoint(0)], 0.0, "0 is a level");
            double[] hy = histogram(c).getYData();
            double total = 0;
            for (int i = 1; i < hy.length - 1; i += 2) {
                total += hy[i];
            }
            assertEquals(w.size(), total, 0.0, "every weight is in one bin");
            // rint(2·∛147456) = rint(105.6) = 106 bins: 2 points per bin plus the two closing points.
            assertEquals(2 * 106 + 2, hy.length);
            if (b == 2 || b == 4 || b == 8) {
                ChartsTest.png(c, tmp, "weight-histogram-int" + b);
            }
        }
    }

    @Test
    void oneChannelUsesThatChannelsValuesAndGrid() throws IOException {
        WeightTensor w = ChartsTest.weights();
        QuantSpec spec = new QuantSpec(3, Scheme.SYMMETRIC, Granularity.PER_CHANNEL);
        XYChart c = WeightHistograms.weightHistogram("query weights", w, spec, 5);
        QParams p = QParams.choose(w, spec);
        double[] gx = grid(c).getXData();
        assertEquals(3 * 7, gx.length, "symmetric int3: 2^3 − 1 levels");
        assertEquals(-3 * p.scale(5), gx[0], 0.0);
        assertEquals(3 * p.scale(5), gx[3 * 6], 0.0);
        assertTrue(c.getTitle().contains("channel 5"));
        assertTrue(histogram(c).getName().contains("n = 384"), "one channel of a [384, 384] MatMul weight has 384 "
                + "values: " + histogram(c).getName());
        ChartsTest.png(c, tmp, "weight-histogram-channel");

        assertThrows(IllegalArgumentException.class, () -> WeightHistograms.weightHistogram("w", w, spec, 384));
        assertThrows(IllegalArgumentException.class, () -> WeightHistograms.weightHistogram("w", w, spec, -1));
        assertThrows(IllegalArgumentException.class, () -> WeightHistograms.weightHistogram("w", w,
                new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.PER_TENSOR), 0));
    }

    @Test
    void theAxisCoversTheValuesAndTheGridWithAFewBinsAtLeast() {
        // Values inside [−1, 2]: the asymmetric int2 grid (step 1) is −1, 0, 1, 2.
        float[] v = {-1f, -0.25f, 0f, 0.5f, 2f};
        XYChart c = WeightHistograms.weightHistogram("values", WeightTensor.vector(v), new QuantSpec(2,
                Scheme.ASYMMETRIC, Granularity.PER_TENSOR), -1);
        assertArrayEquals(new double[] {-1, 0, 1, 2}, new double[] {grid(c).getXData()[0], grid(c).getXData()[3],
            grid(c).getXData()[6], grid(c).getXData()[9]}, 0.0);
        assertEquals(2 * 20 + 2, histogram(c).getYData().length, "never fewer than 20 bins");
        // 3 wide, padded by 2 % each side.
        assertEquals(-1.06, c.getStyler().getXAxisMin(), 1e-12);
        assertEquals(2.06, c.getStyler().getXAxisMax(), 1e-12);
    }

    @Test
    void gridLinesGetThinnerAndFainterAsLevelsMultiply() {
        int previousAlpha = 256;
        float previousWidth = Float.MAX_VALUE;
        for (int levels : new int[] {4, 16, 32, 64, 128, 256}) {
            int alpha = WeightHistograms.gridColour(levels).getAlpha();
            float width = WeightHistograms.gridWidth(levels);
            assertTrue(alpha <= previousAlpha && width <= previousWidth, levels + " levels");
            previousAlpha = alpha;
            previousWidth = width;
        }
        assertTrue(WeightHistograms.gridColour(4).getAlpha() > 2 * WeightHistograms.gridColour(256).getAlpha());
        assertTrue(WeightHistograms.gridWidth(4) > 2 * WeightHistograms.gridWidth(256));
    }

    @Test
    void weightsAreNotModified() {
        WeightTensor w = ChartsTest.weights();
        float[] before = w.toArray();
        perTensor(w, 4);
        WeightHistograms.weightHistogram("w", w, new QuantSpec(4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL), 0);
        assertArrayEquals(before, w.toArray(), 0f);
    }
}
