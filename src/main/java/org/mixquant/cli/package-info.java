/**
 * The {@code mixquant} command line (picocli): one class per subcommand, shared options as mixins, JSON/CSV/table
 * output on stdout, messages and progress on stderr, named exit codes ({@link org.mixquant.cli.ExitCodes}).
 */
package org.mixquant.cli;
