/**
 * Presentation for notebooks and reports: XChart charts split by topic ({@link org.mixquant.notebook.ErrorCharts},
 * {@link org.mixquant.notebook.BitPlanCharts}, {@link org.mixquant.notebook.EvaluationCharts},
 * {@link org.mixquant.notebook.MethodCharts}, {@link org.mixquant.notebook.WeightHistograms},
 * {@link org.mixquant.notebook.FrontierCharts}, {@link org.mixquant.notebook.CostCharts}) behind the {@link org.mixquant.notebook.Charts} facade, with their
 * shared styling in one place ({@code ChartStyle}) and image output in {@link org.mixquant.notebook.ChartImages};
 * Tablesaw tables and their HTML rendering ({@link org.mixquant.notebook.Tables}), and progress that updates in
 * place ({@link org.mixquant.notebook.ConsoleProgress}). Reads the values of the packages above it and never changes
 * them; nothing in the core depends on this package. The optional rapaio kernel adapter lives in
 * {@code org.mixquant.notebook.rapaio}.
 */
package org.mixquant.notebook;
