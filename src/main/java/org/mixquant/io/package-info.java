/**
 * Writing output files without destroying anything: atomic per-file writes (a temporary file beside the target,
 * then a rename), checks that a folder target is not a file and a file target is not a folder, made before any
 * work starts, and a registry of the temporary files and folders this run created that a shutdown hook removes
 * (Ctrl-C); and the toolkit's {@link org.mixquant.io.Version}, which every written file's provenance records. Depends
 * on nothing else in the toolkit, so every package that writes files can use it.
 */
package org.mixquant.io;
