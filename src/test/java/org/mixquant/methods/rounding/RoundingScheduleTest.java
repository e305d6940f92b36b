package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoundingScheduleTest {
    /** β is computed in double from exact inputs; values below are exact up to double rounding. */
    static final double EXACT = 1e-12;

    @Test
    void papersScheduleOverTwentyThousandSteps() {
        RoundingSchedule s = RoundingSchedule.paper(20_000);
        assertEquals(4000, s.regulariserStart(), EXACT);
        assertFalse(s.regularised(1));
        assertFalse(s.regularised(3999), "off for the first 20% (BRECQ: count < loss_start)");
        assertTrue(s.regularised(4000));
        assertTrue(s.regularised(20_000));
        assertEquals(20, s.beta(1), EXACT);
        assertEquals(20, s.beta(4000), EXACT, "decay starts where the regulariser does");
        assertEquals(11, s.beta(12_000), EXACT, "half way: 2 + 18 / 2");
        assertEquals(2, s.beta(20_000), EXACT);
        for (int t = 4001; t <= 20_000; t += 997) {
            assertTrue(s.beta(t) < s.beta(t - 1), "β falls linearly after the warm-up");
        }
    }

    @Test
    void fractionalStartAsInBrecq() {
        RoundingSchedule s = new RoundingSchedule(7, 0.2, 20, 2); // start at step 1.4
        assertFalse(s.regularised(1));
        assertTrue(s.regularised(2));
        assertEquals(20, s.beta(1), EXACT);
        assertEquals(2 + 18 * (1 - (2 - 1.4) / (7 - 1.4)), s.beta(2), EXACT);
        RoundingSchedule none = new RoundingSchedule(10, 0, 10, 2);
        assertTrue(none.regularised(1), "no warm-up: regularised from the first step");
        assertEquals(2 + 8 * 0.9, none.beta(1), EXACT);
    }

    @Test
    void rejectsBadSettingsAndSteps() {
        assertThrows(IllegalArgumentException.class, () -> new RoundingSchedule(0, 0.2, 20, 2));
        assertThrows(IllegalArgumentException.class, () -> new RoundingSchedule(10, 1, 20, 2));
        assertThrows(IllegalArgumentException.class, () -> new RoundingSchedule(10, -0.1, 20, 2));
        assertThrows(IllegalArgumentException.class, () -> new RoundingSchedule(10, 0.2, 0, 2));
        RoundingSchedule s = RoundingSchedule.paper(10);
        assertThrows(IllegalArgumentException.class, () -> s.beta(0), "steps count from 1");
        assertThrows(IllegalArgumentException.class, () -> s.regularised(11));
    }
}
