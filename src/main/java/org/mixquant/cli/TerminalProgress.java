package org.mixquant.cli;

import java.io.PrintWriter;
import org.mixquant.search.Progress;

/**
 * Progress on stderr: on a terminal one line updated in place ({@code \r}); otherwise a line at most every two
 * seconds and at the end, so logs stay short.
 */
final class TerminalProgress implements Progress {
    private final PrintWriter err;
    private final boolean inPlace;
    private long lastPrint;
    private String lastTask = "";

    TerminalProgress(PrintWriter err, boolean inPlace) {
        this.err = err;
        this.inPlace = inPlace;
    }

    @Override
    public synchronized void update(String task, long done, long total) {
        long now = System.nanoTime();
        boolean end = done >= total;
        boolean newTask = !task.equals(lastTask);
        if (!end && !newTask && now - lastPrint < (inPlace ? 100_000_000L : 2_000_000_000L)) {
            return;
        }
        lastPrint = now;
        lastTask = task;
        String line = String.format("[mixquant] %s: %d/%d (%d%%)", task, done, total,
                total == 0 ? 100 : done * 100 / total);
        if (inPlace) {
            err.print("\r" + line + (end ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }
}
