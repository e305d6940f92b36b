package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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

    @Test
    void checkPrintsThePassFailVerdictAsALine() {
        assertEquals(Verdict.DISAGREES.line("claim", "why"), Verdict.check("claim", false, "why"));
        assertEquals(Verdict.AGREES.line("claim", "why"), Verdict.check("claim", true, "why"));
    }

    /** Deltas 1.0, 0.5, −0.3: mean 0.4 > noise 0.25, MixQuant ahead in 2 of 3. */
    @Test
    void checkPairedDeltasStatesTheMeanAndTheWins() {
        assertEquals(Verdict.AGREES.line("c", "mean difference +0.40 points, MixQuant ahead in 2 of 3; more"),
                Verdict.checkPairedDeltas("c", List.of(1.0, 0.5, -0.3), 0.25, "points", "more"));
        assertEquals(Verdict.INCONCLUSIVE.line("c", "mean difference +0.00 points, MixQuant ahead in 0 of 0; "),
                Verdict.checkPairedDeltas("c", List.of(), 0.25, "points", ""), "no pairs decide nothing");
        assertEquals(Verdict.DISAGREES, Verdict.ofPairedDeltas(-0.5, 0, 2, 0.25));
        assertEquals(Verdict.DISAGREES.line("c", "mean difference -0.50 points, MixQuant ahead in 0 of 2; "),
                Verdict.checkPairedDeltas("c", List.of(-0.4, -0.6), 0.25, "points", ""));
    }
}
