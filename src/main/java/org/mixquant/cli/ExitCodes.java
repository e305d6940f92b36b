package org.mixquant.cli;

/** Exit codes of {@code mixquant}. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** The command failed (bad model file, unreadable path, invalid plan, ...): one line on stderr says why. */
    public static final int FAILURE = 1;
    /** The command line itself is wrong (unknown option, missing argument, bad value). */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
