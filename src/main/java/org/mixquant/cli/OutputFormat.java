package org.mixquant.cli;

/** Output format of a subcommand's result on stdout. */
public enum OutputFormat {
    /** Aligned human-readable table. */
    table,
    /** One JSON document (shapes documented in the README). */
    json,
    /** Comma-separated values with a header row. */
    csv
}
