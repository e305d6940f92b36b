/**
 * Presentation for notebooks and reports: XChart charts ({@link org.mixquant.notebook.Charts}), Tablesaw tables and
 * their HTML rendering ({@link org.mixquant.notebook.Tables}), and progress that updates in place
 * ({@link org.mixquant.notebook.ConsoleProgress}). Reads the values of the packages above it and never changes
 * them; nothing in the core depends on this package. The optional rapaio kernel adapter lives in
 * {@code org.mixquant.notebook.rapaio}.
 */
package org.mixquant.notebook;
