package org.mixquant.cli;

import picocli.CommandLine.Option;

/** {@code --threads} and {@code --quiet}. */
public final class RunMixin {
    @Option(names = "--threads", paramLabel = "N", converter = OptionValues.Positive.class,
            description = "Worker threads, at most the number of cores (default: the cores; 1 for learned"
                    + " rounding on text models and for bench adaround, where several libtorch threads on shared"
                    + " cores wait for each other).")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "No progress output on stderr (warnings still show).")
    boolean quiet;

    /** Whether {@code --threads} was given. */
    boolean threadsGiven() {
        return threads != null;
    }

    /**
     * The thread count: {@code --threads} capped at the cores (more threads than cores only make the cores switch
     * between them; {@code cmd} warns once when it caps), or all cores when not given.
     */
    int threads(BaseCommand cmd) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads == null) {
            return cores;
        }
        if (threads > cores) {
            cmd.warnOnce("--threads " + threads + " is more than the " + cores + " cores; using " + cores);
            return cores;
        }
        return threads;
    }
}
