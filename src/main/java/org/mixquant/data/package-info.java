/**
 * Data sources: the text corpus used for embedding fidelity ({@link org.mixquant.data.FortuneCorpus}, from Debian's
 * {@code fortunes} packages). Depends on nothing else in the toolkit.
 */
package org.mixquant.data;
