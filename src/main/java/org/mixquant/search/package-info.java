/**
 * The MixQuant search: an {@link org.mixquant.search.ErrorTable} (round-off error of every layer at every
 * bit-width 2..8, from one pass over the weights) and the rules in {@link org.mixquant.search.MixQuant} that turn
 * it into a {@link org.mixquant.quant.BitPlan}. Depends on {@code quant} and {@code model}.
 */
package org.mixquant.search;
