package org.mixquant.notebook;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import org.mixquant.progress.Progress;

/**
 * Progress as text. In place ({@code \r}, which Jupyter and terminals both honour) it rewrites one line per task
 * at most ten times a second; otherwise it prints a line at most every two seconds, so logs stay short. Every task
 * ends with its 100% line. Pass {@link Progress#NONE} instead to silence a computation.
 */
public final class ConsoleProgress implements Progress {
    private final PrintWriter out;
    private final boolean inPlace;
    private long lastPrint;
    private String lastTask = "";

    private ConsoleProgress(PrintWriter out, boolean inPlace) {
        this.out = out;
        this.inPlace = inPlace;
    }

    /** In-place progress on standard output: what a notebook cell shows. */
    public static ConsoleProgress notebook() {
        return to(System.out, true);
    }

    /** Progress on a stream, in place or as separate lines. */
    public static ConsoleProgress to(PrintStream stream, boolean inPlace) {
        return new ConsoleProgress(new PrintWriter(stream, true), inPlace);
    }

    /** Progress on a writer, in place or as separate lines. */
    public static ConsoleProgress to(PrintWriter writer, boolean inPlace) {
        return new ConsoleProgress(writer, inPlace);
    }

    @Override
    public synchronized void update(String task, long done, long total) {
        long now = System.nanoTime();
        boolean end = done >= total;
        boolean newTask = !task.equals(lastTask);
        if (!end && !newTask && now - lastPrint < (inPlace ? 100_000_000L : 2_000_000_000L)) {
            return;
        }
        if (newTask && inPlace && !lastTask.isEmpty() && lastPrint != 0 && !lastEnded) {
            out.print("\n");
        }
        lastPrint = now;
        lastTask = task;
        lastEnded = end;
        String line = String.format(Locale.ROOT, "[mixquant] %s: %d/%d (%d%%)", task, done, total,
                total == 0 ? 100 : done * 100 / total);
        if (inPlace) {
            out.print("\r" + line + (end ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private boolean lastEnded = true;
}
