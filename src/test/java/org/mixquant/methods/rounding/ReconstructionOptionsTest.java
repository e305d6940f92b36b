package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mixquant.methods.rounding.RoundingSchedule;

class ReconstructionOptionsTest {
    @Test
    void defaultsAreThePapers() {
        ReconstructionOptions p = ReconstructionOptions.paper();
        assertEquals(20_000, p.iterations());
        assertEquals(0.01, p.lambda());
        assertEquals(32, p.batchSize());
        assertEquals(1024, p.calibrationSamples());
        assertEquals(1e-3, p.learningRate());
        assertEquals(0.2, p.warmup());
        assertEquals(20, p.betaStart());
        assertEquals(2, p.betaEnd());
        assertTrue(p.includeActivation());
        assertTrue(p.isPaperIterations());
        assertTrue(p.describe().contains("(as the papers)"), p.describe());
        assertEquals(RoundingSchedule.paper(20_000), p.schedule());
    }

    @Test
    void fewerIterationsAreSaidOutLoud() {
        ReconstructionOptions o = ReconstructionOptions.builder().optIterations(500).optSeed(3).build();
        assertTrue(o.describe().startsWith("500 iterations per layer (papers: 20000; fewer for speed)"),
                o.describe());
        assertEquals(o.describe(), o.toBuilder().build().describe(), "toBuilder keeps every setting");
        assertThrows(IllegalStateException.class,
                () -> ReconstructionOptions.builder().optIterations(0).build().schedule());
    }

    @Test
    void buildRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optIterations(-1).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optLambda(-1).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optBatchSize(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> ReconstructionOptions.builder().optCalibrationSamples(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> ReconstructionOptions.builder().optLearningRate(0).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optWarmup(1).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optBeta(-1, 2).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optMaxRows(0).build());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionOptions.builder().optThreads(0).build());
    }
}
