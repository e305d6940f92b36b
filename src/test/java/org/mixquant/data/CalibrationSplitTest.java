package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationSplitTest {
    static NamedArrays arrays(String source, int n) {
        return new NamedArrays(source, Map.of("x", NpzFiles.random("x", n, n, 3)));
    }

    @Test
    void withoutACalibrationFileTheFirstHalfCalibratesAndTheRestIsHeldOut() {
        NamedArrays in = arrays("in.npz", 7);
        CalibrationSplit s = CalibrationSplit.of(in, null, false);
        assertEquals(3, s.calibration().samples());
        assertEquals(4, s.evaluation().samples());
        float[] all = in.get("x").floats();
        assertEquals(all[3 * 3], s.evaluation().get("x").floats()[0], 0f, "evaluation starts at sample 3");
        assertEquals("calibration: samples 0..2 of in.npz; evaluation: samples 3..6 (held out)", s.description());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationSplit.of(arrays("one.npz", 1), null, false));
        assertTrue(e.getMessage().contains("one.npz holds 1 sample"), e.getMessage());
    }

    @Test
    void aSeparateFileCalibratesAndTheSameFileIsSaid() {
        NamedArrays in = arrays("in.npz", 4);
        NamedArrays cal = arrays("cal.npz", 6);
        CalibrationSplit s = CalibrationSplit.of(in, cal, false);
        assertSame(cal, s.calibration());
        assertSame(in, s.evaluation());
        assertTrue(!s.sameData());
        CalibrationSplit same = CalibrationSplit.of(in, in, true);
        assertTrue(same.sameData() && same.description().contains("not held out"), same.description());
    }
}
