/**
 * Evaluation of quantized models: size accounting ({@link org.mixquant.eval.SizeReport}), embedding fidelity
 * against the FP32 model ({@link org.mixquant.eval.EmbeddingEvaluator}), and the comparison rows that tables and
 * charts show ({@link org.mixquant.eval.Evaluation}).
 */
package org.mixquant.eval;
