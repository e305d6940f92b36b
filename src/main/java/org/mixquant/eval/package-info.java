/**
 * Evaluation of quantized models: size accounting ({@link org.mixquant.eval.SizeReport}); embedding fidelity against
 * the FP32 model ({@link org.mixquant.eval.EmbeddingEvaluator}, {@link org.mixquant.eval.EmbeddingComparison},
 * rows of type {@link org.mixquant.eval.Evaluation}); and top-1 accuracy of the Fashion-MNIST CNNs
 * ({@link org.mixquant.eval.AccuracyEvaluator}, {@link org.mixquant.eval.AccuracyComparison}, rows of type
 * {@link org.mixquant.eval.AccuracyEvaluation}).
 */
package org.mixquant.eval;
