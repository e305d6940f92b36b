package org.mixquant.cli;

import picocli.CommandLine.Option;

/** {@code --format table|json|csv}. */
public final class FormatMixin {
    @Option(names = "--format", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OutputFormat format = OutputFormat.table;
}
