/**
 * Optional display adapter for the rapaio Jupyter kernel: registered through the kernel's display SPI
 * ({@code META-INF/services/org.rapaio.jupyter.kernel.display.spi.DisplayProvider}), it shows XChart charts as
 * PNG and Tablesaw tables as HTML when they are a cell's last expression or passed to {@code display(...)}. The
 * kernel is a {@code provided} dependency; nothing outside this package refers to it, and under other kernels
 * this package is simply never loaded.
 */
package org.mixquant.notebook.rapaio;
