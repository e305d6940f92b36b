package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputFidelityTest {
    /** log10 and the square root in double: a few ulps. */
    static final double TOL = 1e-12;

    @Test
    void sqnrAndCosinePerOutputAndOverAllOutputsConcatenated() {
        Map<String, float[]> ref = new LinkedHashMap<>();
        ref.put("a", new float[] {3, 4});
        ref.put("b", new float[] {1, 0, 0});
        Map<String, float[]> q = new LinkedHashMap<>();
        q.put("a", new float[] {3, 3}); // error² 1, signal 25
        q.put("b", new float[] {1, 0, 0}); // identical
        OutputFidelity f = OutputFidelity.compare(ref, q);
        assertEquals(10 * Math.log10(25.0), f.outputs().get(0).sqnrDb(), TOL);
        assertEquals(21 / (5 * Math.sqrt(18)), f.outputs().get(0).cosine(), TOL);
        assertNull(f.outputs().get(1).sqnrDb(), "identical outputs: infinite SQNR");
        assertEquals(1.0, f.outputs().get(1).cosine(), TOL);
        assertEquals(10 * Math.log10(26.0), f.sqnrDb(), TOL);
        assertEquals(22 / (Math.sqrt(26) * Math.sqrt(19)), f.cosine(), TOL);
        assertEquals(3, f.outputs().get(1).values());
    }

    @Test
    void zeroOutputsAndMismatchedOutputs() {
        assertEquals(1.0, OutputFidelity.cosine(0, 0, 0));
        assertEquals(0.0, OutputFidelity.cosine(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> OutputFidelity.compare(Map.of("a", new float[2]),
                Map.of("a", new float[3])));
        assertThrows(IllegalArgumentException.class, () -> OutputFidelity.compare(Map.of("a", new float[2]),
                Map.of("b", new float[2])));
    }
}
