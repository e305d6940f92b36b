package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;

/** Bits-per-layer bars: layer order and labels, one series per plan named by its histogram, palette colours. */
class BitPlanChartsTest {
    @TempDir
    Path tmp;

    static BitPlan plan(String name, Map<String, Integer> bits) {
        return new BitPlan(name, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "file", Map.of(), Map.of(), bits);
    }

    @Test
    void barsFollowTheFirstPlansLayerOrderWithShortLabelsAndHistogramNames() throws IOException {
        Map<String, Integer> a = new LinkedHashMap<>();
        a.put("/net/block0/conv/Conv", 4);
        a.put("/net/block1/conv/Conv", 3);
        a.put("/net/head/fc/Conv", 8);
        // The same layers in another order: the bars still follow plan a's order.
        Map<String, Integer> b = new LinkedHashMap<>();
        b.put("/net/head/fc/Conv", 2);
        b.put("/net/block1/conv/Conv", 5);
        b.put("/net/block0/conv/Conv", 5);
        CategoryChart c = BitPlanCharts.chosenBits(List.of(plan("a", a), plan("b", b)));
        assertEquals(List.of("a (1×int3, 1×int4, 1×int8)", "b (1×int2, 2×int5)"),
                new ArrayList<>(c.getSeriesMap().keySet()));
        CategorySeries sa = c.getSeriesMap().get("a (1×int3, 1×int4, 1×int8)");
        CategorySeries sb = c.getSeriesMap().get("b (1×int2, 2×int5)");
        assertEquals(List.of("block0/conv", "block1/conv", "head/fc"), new ArrayList<>(sa.getXData()));
        assertEquals(List.of(4, 3, 8), new ArrayList<>(sa.getYData()));
        assertEquals(List.of(5, 5, 2), new ArrayList<>(sb.getYData()), "plan b's bits in plan a's layer order");
        assertEquals(ChartStyle.PALETTE[0], sa.getFillColor());
        assertEquals(ChartStyle.PALETTE[1], sb.getFillColor());
        assertEquals(0.0, c.getStyler().getYAxisMin(), 0.0);
        assertEquals(8.0, c.getStyler().getYAxisMax(), 0.0, "the axis always reaches int8");
        BufferedImage img = ChartsTest.png(c, tmp, "chosen-bits-3-layers");
        assertTrue(ChartsTest.pixelsOf(img, ChartStyle.PALETTE[0]) > 1000, "plan a's bars are drawn");
        assertTrue(ChartsTest.pixelsOf(img, ChartStyle.PALETTE[1]) > 1000, "plan b's bars are drawn");
    }

    @Test
    void manyLayersWidenTheChartAndAPlanMissingALayerIsAnError() throws IOException {
        ErrorTable t = ChartsTest.miniLm();
        CategoryChart c = BitPlanCharts.chosenBits(List.of(MixQuant.budget(t, 4), MixQuant.qem(t, 80)));
        assertEquals(Math.max(900, 28 * 36), c.getWidth(), "28 px per layer");
        ChartsTest.png(c, tmp, "chosen-bits");
        Map<String, Integer> one = Map.of("/encoder/layer.0/attention/self/query/MatMul", 4);
        assertThrows(IllegalArgumentException.class, () -> BitPlanCharts.chosenBits(List.of(MixQuant.budget(t, 4),
                plan("partial", one))));
        assertThrows(IllegalArgumentException.class, () -> BitPlanCharts.chosenBits(List.of()));
    }
}
