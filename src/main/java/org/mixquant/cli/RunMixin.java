package org.mixquant.cli;

import picocli.CommandLine.Option;

/** {@code --threads} and {@code --quiet}. */
public final class RunMixin {
    @Option(names = "--threads", description = "Worker threads (default: number of cores).")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "No progress output on stderr.")
    boolean quiet;

    int threads() {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1) {
            throw new IllegalArgumentException("--threads must be ≥ 1, got " + t);
        }
        return t;
    }
}
