package org.mixquant.progress;

/**
 * Receives progress of long-running work. {@link #NONE} ignores everything. Implementations must be thread-safe
 * if the work is parallel.
 */
@FunctionalInterface
public interface Progress {
    /** A listener that does nothing. */
    Progress NONE = (task, done, total) -> { };

    /**
     * Reports that {@code done} of {@code total} steps of {@code task} are finished.
     *
     * @param task  short description, e.g. {@code "error sweep"}
     * @param done  steps finished so far (0..total)
     * @param total number of steps
     */
    void update(String task, long done, long total);
}
