/**
 * Presentation for notebooks and reports: XChart charts of error tables and bit plans ({@link
 * org.mixquant.notebook.Charts}). Reads the values of the packages above it and never changes them; nothing in
 * the core depends on this package.
 */
package org.mixquant.notebook;
