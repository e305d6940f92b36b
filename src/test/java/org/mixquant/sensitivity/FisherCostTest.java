package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.progress.Progress;

class FisherCostTest {
    /** Averages of float32 squared gradients summed in double in a different grouping. */
    static final double REL_TOL = 1e-9;

    @Test
    void theDiagonalIsTheMeanOfPerImageSquaredGradients() throws Exception {
        CnnModel fp32 = CnnModels.load("resnet20-fashion");
        FashionMnist two = FashionMnist.calibration(2, 5);
        byte[] px = new byte[2 * FashionMnist.PIXELS];
        for (int i = 0; i < 2; i++) {
            for (int p = 0; p < FashionMnist.PIXELS; p++) {
                px[i * FashionMnist.PIXELS + p] = (byte) two.pixel(i, p);
            }
        }
        FashionMnist first = FashionMnist.of("a", Arrays.copyOf(px, FashionMnist.PIXELS), new byte[] {two.labels()[0]});
        FashionMnist second = FashionMnist.of("b", Arrays.copyOfRange(px, FashionMnist.PIXELS, px.length),
                new byte[] {two.labels()[1]});
        double[][] both = FisherCost.diagonal(fp32, two, 2, Progress.NONE);
        double[][] a = FisherCost.diagonal(fp32, first, 2, Progress.NONE);
        double[][] b = FisherCost.diagonal(fp32, second, 2, Progress.NONE);
        double total = 0;
        for (int i = 0; i < both.length; i++) {
            for (int j = 0; j < both[i].length; j++) {
                double want = (a[i][j] + b[i][j]) / 2;
                assertEquals(want, both[i][j], REL_TOL * Math.max(want, 1e-30), "layer " + i + " weight " + j);
                assertTrue(both[i][j] >= 0);
                total += both[i][j];
            }
        }
        assertTrue(total > 0, "a trained net still has non-zero per-image gradients");
        double[][] again = FisherCost.diagonal(fp32, two, 2, Progress.NONE);
        assertTrue(Arrays.deepEquals(both, again), "deterministic");
    }

    @Test
    void tableCostsFallFromTwoToEightBits() throws Exception {
        CnnModel fp32 = CnnModels.load("resnet20-fashion");
        CostTable t = FisherCost.table(fp32, FashionMnist.calibration(8, 0), Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, 2, Progress.NONE);
        assertEquals(CostKind.FISHER, t.kind());
        assertEquals(fp32.layers().size(), t.size());
        for (int i = 0; i < t.size(); i++) {
            assertTrue(t.cost(i, Bits.MIN) > t.cost(i, Bits.MAX), t.layers().get(i));
        }
    }
}
