package org.mixquant.methods.rounding;

import java.util.Locale;
import org.mixquant.methods.rounding.RoundingSchedule;

/**
 * Settings of learned-rounding reconstruction, shared by AdaRound (layer by layer) and BRECQ (block by block).
 * Immutable; make one with {@link #builder()} or take the papers' defaults with {@link #paper()}.
 *
 * <p>Defaults are those of AdaRound (Nagel et al., 2020) and BRECQ (Li et al., 2021, {@code main_imagenet.py}):
 * 1024 calibration samples, mini-batches of 32, 20,000 Adam steps at learning rate 1e-3 on α only, regulariser
 * weight λ = 0.01, no regulariser for the first 20% of the steps, then β from 20 down to 2. Notebooks and the
 * command line may run fewer iterations for speed; {@link #describe()} then says so, and callers print it.
 */
public final class ReconstructionOptions {
    /** The papers' optimisation steps per layer (or block). */
    public static final int PAPER_ITERATIONS = 20_000;
    /** The papers' regulariser weight λ. */
    public static final double PAPER_LAMBDA = 0.01;
    /** The papers' mini-batch size (samples, i.e. rows of the captured input). */
    public static final int PAPER_BATCH = 32;
    /** The papers' number of calibration samples (images; for text models, sentences). */
    public static final int PAPER_CALIBRATION_SAMPLES = 1024;
    /** The papers' Adam learning rate (PyTorch's default). */
    public static final double PAPER_LEARNING_RATE = 1e-3;
    /**
     * Default cap on the rows kept per captured layer input. A text model gives one row per token (about 30 per
     * sentence), a capture keeps a fixed random subset of this size (same rows for the FP32 and the quantized
     * model); at 4096 rows MiniLM's FP32 capture of all layer inputs takes about 260 MB.
     */
    public static final int DEFAULT_MAX_ROWS = 4096;

    private final int iterations;
    private final double lambda;
    private final int batchSize;
    private final int calibrationSamples;
    private final long seed;
    private final double warmup;
    private final double betaStart;
    private final double betaEnd;
    private final double learningRate;
    private final int maxRows;
    private final int threads;
    private final boolean includeActivation;

    private ReconstructionOptions(Builder b) {
        iterations = b.iterations;
        lambda = b.lambda;
        batchSize = b.batchSize;
        calibrationSamples = b.calibrationSamples;
        seed = b.seed;
        warmup = b.warmup;
        betaStart = b.betaStart;
        betaEnd = b.betaEnd;
        learningRate = b.learningRate;
        maxRows = b.maxRows;
        threads = b.threads;
        includeActivation = b.includeActivation;
    }

    /** The papers' settings (see the class comment). */
    public static ReconstructionOptions paper() {
        return builder().build();
    }

    /** A builder starting from the papers' settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.iterations = iterations;
        b.lambda = lambda;
        b.batchSize = batchSize;
        b.calibrationSamples = calibrationSamples;
        b.seed = seed;
        b.warmup = warmup;
        b.betaStart = betaStart;
        b.betaEnd = betaEnd;
        b.learningRate = learningRate;
        b.maxRows = maxRows;
        b.threads = threads;
        b.includeActivation = includeActivation;
        return b;
    }

    /** Adam steps per layer; 0 means no optimisation (L<sub>p</sub> scales with nearest rounding). */
    public int iterations() {
        return iterations;
    }

    /** Weight λ of the rounding regulariser {@code λ·Σ(1 − |2h−1|^β)}. */
    public double lambda() {
        return lambda;
    }

    /** Rows (samples) per mini-batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Calibration samples to take (sentences for text models, images for CNNs). */
    public int calibrationSamples() {
        return calibrationSamples;
    }

    /** Seed of the mini-batch order and the row subset; same seed, same threads → bit-identical weights. */
    public long seed() {
        return seed;
    }

    /** Fraction of the steps without the regulariser. */
    public double warmup() {
        return warmup;
    }

    /** β when the regulariser starts. */
    public double betaStart() {
        return betaStart;
    }

    /** β at the last step. */
    public double betaEnd() {
        return betaEnd;
    }

    /** Adam learning rate on α. */
    public double learningRate() {
        return learningRate;
    }

    /** Most rows kept per captured layer input. */
    public int maxRows() {
        return maxRows;
    }

    /**
     * Threads for libtorch and ONNX Runtime. The default is 1: the per-step tensors are small (a 384×384 layer and a
     * 32-row batch), and on two cores shared with other work two libtorch threads measured both slower on average
     * and erratic (OpenMP threads waiting for each other), while one thread ran steadily.
     */
    public int threads() {
        return threads;
    }

    /** Whether the reconstructed output is taken after the layer's activation (BRECQ's default) or before it. */
    public boolean includeActivation() {
        return includeActivation;
    }

    /** True when the iteration count is the papers' 20,000. */
    public boolean isPaperIterations() {
        return iterations == PAPER_ITERATIONS;
    }

    /**
     * The temperature schedule for these settings.
     *
     * @throws IllegalStateException if {@link #iterations()} is 0
     */
    public RoundingSchedule schedule() {
        if (iterations == 0) {
            throw new IllegalStateException("no schedule: 0 iterations");
        }
        return new RoundingSchedule(iterations, warmup, betaStart, betaEnd);
    }

    /**
     * One line that states the settings and, when fewer iterations than the papers' are used, says so, e.g.
     * {@code 500 iterations per layer (papers: 20000; fewer for speed), batch 32, λ 0.01, ...}.
     */
    public String describe() {
        return describe("layer", true);
    }

    /**
     * {@link #describe()} for another unit of optimisation, e.g. {@code "block"}, and without the row cap when the
     * calibration data are whole images ({@code rowCap} false: the cap applies to token rows of text models only).
     */
    public String describe(String per, boolean rowCap) {
        String it = iterations + " iterations per " + per
                + (isPaperIterations() ? " (as the papers)" : " (papers: " + PAPER_ITERATIONS
                + (iterations < PAPER_ITERATIONS ? "; fewer for speed)" : ")"));
        return String.format(Locale.ROOT, "%s, batch %d, λ %s, warm-up %s, β %s→%s, Adam lr %s, %d calibration"
                        + " samples (papers: %d), %sseed %d, %s activation, %d threads", it,
                batchSize, lambda, warmup, betaStart, betaEnd, learningRate, calibrationSamples,
                PAPER_CALIBRATION_SAMPLES, rowCap ? "≤ " + maxRows + " rows per layer, " : "", seed,
                includeActivation ? "after" : "before", threads);
    }

    @Override
    public String toString() {
        return "ReconstructionOptions[" + describe() + "]";
    }

    /** Builder: every setting is optional ({@code optX}), starts at the papers' value and is checked in build(). */
    public static final class Builder {
        private int iterations = PAPER_ITERATIONS;
        private double lambda = PAPER_LAMBDA;
        private int batchSize = PAPER_BATCH;
        private int calibrationSamples = PAPER_CALIBRATION_SAMPLES;
        private long seed;
        private double warmup = RoundingSchedule.PAPER_WARMUP;
        private double betaStart = RoundingSchedule.PAPER_BETA_START;
        private double betaEnd = RoundingSchedule.PAPER_BETA_END;
        private double learningRate = PAPER_LEARNING_RATE;
        private int maxRows = DEFAULT_MAX_ROWS;
        private int threads = 1;
        private boolean includeActivation = true;

        private Builder() {
        }

        /** Adam steps per layer (default 20,000); 0 skips optimisation. */
        public Builder optIterations(int v) {
            iterations = v;
            return this;
        }

        /** Regulariser weight λ (default 0.01). */
        public Builder optLambda(double v) {
            lambda = v;
            return this;
        }

        /** Rows per mini-batch (default 32). */
        public Builder optBatchSize(int v) {
            batchSize = v;
            return this;
        }

        /** Calibration samples (default 1024). */
        public Builder optCalibrationSamples(int v) {
            calibrationSamples = v;
            return this;
        }

        /** Seed (default 0). */
        public Builder optSeed(long v) {
            seed = v;
            return this;
        }

        /** Warm-up fraction without the regulariser (default 0.2). */
        public Builder optWarmup(double v) {
            warmup = v;
            return this;
        }

        /** Temperature range (default 20 → 2). */
        public Builder optBeta(double start, double end) {
            betaStart = start;
            betaEnd = end;
            return this;
        }

        /** Adam learning rate (default 1e-3). */
        public Builder optLearningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Most rows kept per captured layer input (default 4096). */
        public Builder optMaxRows(int v) {
            maxRows = v;
            return this;
        }

        /** Threads for libtorch and ONNX Runtime (default 1, see {@link ReconstructionOptions#threads()}). */
        public Builder optThreads(int v) {
            threads = v;
            return this;
        }

        /** Reconstruct after (default) or before the layer's activation. */
        public Builder optIncludeActivation(boolean v) {
            includeActivation = v;
            return this;
        }

        /**
         * Checks and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting
         */
        public ReconstructionOptions build() {
            if (iterations < 0) {
                throw new IllegalArgumentException("iterations must be ≥ 0, got " + iterations);
            }
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("λ must be ≥ 0 and finite, got " + lambda);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
            }
            if (calibrationSamples < 1) {
                throw new IllegalArgumentException("calibration samples must be ≥ 1, got " + calibrationSamples);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
            }
            if (maxRows < 1) {
                throw new IllegalArgumentException("max rows must be ≥ 1, got " + maxRows);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
            }
            new RoundingSchedule(Math.max(iterations, 1), warmup, betaStart, betaEnd);
            return new ReconstructionOptions(this);
        }
    }
}
