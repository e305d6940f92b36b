package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VerdictTest {
    @Test
    void pairedDeltasWithinNoiseOrSplitDecideNothing() {
        assertEquals(Verdict.INCONCLUSIVE, Verdict.ofPairedDeltas(0.1, 3, 3, 0.25), "within noise");
        assertEquals(Verdict.INCONCLUSIVE, Verdict.ofPairedDeltas(1.0, 0, 0, 0.25), "no pairs");
        assertEquals(Verdict.INCONCLUSIVE, Verdict.ofPairedDeltas(1.0, 1, 2, 0.25), "a positive mean from one of two");
        assertEquals(Verdict.INCONCLUSIVE, Verdict.ofPairedDeltas(-1.0, 1, 2, 0.25), "a negative mean, one of two won");
    }

    @Test
    void pairedDeltasAgreeOrDisagree() {
        assertEquals(Verdict.AGREES, Verdict.ofPairedDeltas(0.3, 2, 3, 0.25));
        assertEquals(Verdict.DISAGREES, Verdict.ofPairedDeltas(-0.3, 1, 3, 0.25));
        assertEquals(Verdict.AGREES, Verdict.of(true));
        assertEquals(Verdict.DISAGREES, Verdict.of(false));
    }

    @Test
    void lineAlignsTheEvidenceUnderTheClaim() {
        assertEquals("AGREES       claim" + System.lineSeparator() + "             evidence",
                Verdict.AGREES.line("claim", "evidence"));
    }
}
