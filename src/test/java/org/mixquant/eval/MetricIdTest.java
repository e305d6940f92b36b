package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MetricIdTest {
    @Test
    void topOneIsStoredAsAFractionAndShownInPercent() {
        assertEquals("top1_%", MetricId.TOP1.column());
        assertEquals("top1", MetricId.TOP1.field());
        assertEquals(92.5, MetricId.TOP1.toColumn(0.925), 1e-12, "×100 in double: one rounding");
        assertEquals(0.875, MetricId.MEAN_COSINE.toColumn(0.875), 0.0, "cosines are shown as stored");
        assertEquals(3.5, MetricId.TOP1_DROP.toColumn(3.5), 0.0, "the drop is already in points");
    }

    @Test
    void columnsAndFieldsNameOneMetricEach() {
        for (MetricId m : MetricId.values()) {
            assertEquals(m, MetricId.ofColumn(m.column()));
        }
        assertEquals(MetricId.values().length, Arrays.stream(MetricId.values()).map(MetricId::field).distinct()
                .count());
        assertThrows(IllegalArgumentException.class, () -> MetricId.ofColumn("accuracy"));
    }
}
