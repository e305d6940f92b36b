/**
 * Data sources: the text corpus used for embedding fidelity ({@link org.mixquant.data.FortuneCorpus}, from Debian's
 * {@code fortunes} packages) and Fashion-MNIST ({@link org.mixquant.data.FashionMnist}, from Debian's
 * {@code dataset-fashion-mnist}) with its seeded calibration subset, and a user's named arrays
 * ({@link org.mixquant.data.NamedArrays}: NumPy {@code .npz} or {@code .npy} files, read by
 * {@link org.mixquant.data.Npy}) with their calibration/evaluation split. Depends on nothing else in the toolkit.
 */
package org.mixquant.data;
