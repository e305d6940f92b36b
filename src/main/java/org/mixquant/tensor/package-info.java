/**
 * Weight tensors: a dense {@code float[]} in row-major (C) order with a shape and the index of its output-channel
 * axis, plus allocation-free per-channel reductions. Depends on nothing else in the toolkit.
 */
package org.mixquant.tensor;
