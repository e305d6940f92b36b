/**
 * Benchmarks behind {@code mixquant bench}, and the PyTorch reference runner they time against
 * ({@code tools/adaround/reference.py} on Debian's {@code /usr/bin/python3}). Not part of the library's data path:
 * timings are printed, never asserted in tests; the reference also serves as the oracle of the learned-rounding tests.
 */
package org.mixquant.cli.bench;
