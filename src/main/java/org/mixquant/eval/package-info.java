/**
 * Evaluation of quantized models. One row type, {@link org.mixquant.eval.EvalRow} (what was applied, by which method,
 * size, metrics by {@link org.mixquant.eval.MetricId}, timings), made by {@link org.mixquant.eval.Study} (models ×
 * methods × plans); the one equal-average-bits comparison, {@link org.mixquant.eval.EqualBits}; verdicts on claims
 * ({@link org.mixquant.eval.Verdict}); the size–quality frontier of one method ({@link org.mixquant.eval.Frontier})
 * and its best mixed plan against uniform at equal size ({@link org.mixquant.eval.EqualSizeVerdict}); size accounting ({@link org.mixquant.eval.SizeReport}); top-1 accuracy of the
 * Fashion-MNIST CNNs ({@link org.mixquant.eval.AccuracyEvaluator}) and embedding fidelity against the FP32 model
 * ({@link org.mixquant.eval.EmbeddingEvaluator}).
 */
package org.mixquant.eval;
