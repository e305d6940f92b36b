/**
 * Data-aware cost tables for the MixQuant knapsack ({@link org.mixquant.search.CostTable}): {@code measured} — the
 * network-output distortion ({@link org.mixquant.sensitivity.Distortion}) with only one layer quantized, per layer
 * and bit-width — and {@code fisher}. This package runs models on calibration data (never on evaluation data); the
 * {@code search} package stays data-free. Depends on data, quant, model, methods (and search for the table type).
 */
package org.mixquant.sensitivity;
