/**
 * The progress callback every long step reports to ({@link org.mixquant.progress.Progress}); depends on nothing, so
 * any package may take one without importing the package that renders it.
 */
package org.mixquant.progress;
