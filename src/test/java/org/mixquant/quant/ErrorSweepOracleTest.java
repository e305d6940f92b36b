package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mixquant.quant.FakeQuantOracleTest.SSE_REL_TOL;
import static org.mixquant.quant.FakeQuantOracleTest.assertBitsEqual;
import static org.mixquant.quant.FakeQuantOracleTest.assertRelClose;

import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.mixquant.tensor.WeightTensor;

/**
 * {@link ErrorSweep#sweep} (all seven bit-widths in one pass) against the Σ(w−ŵ)² of PyTorch's fake-quantized
 * tensors recorded in the golden file ({@link FakeQuantOracleTest.Golden}), to
 * {@link FakeQuantOracleTest#SSE_REL_TOL} (summation order, see there).
 */
class ErrorSweepOracleTest {

    /** Both kernels, whichever one this JVM prefers (the scalar reference and the vector kernel). */
    @TestFactory
    Stream<DynamicNode> sweepMatchesTorchForAllBits() {
        return FakeQuantOracleTest.Golden.cases().stream().map(c -> DynamicContainer.dynamicContainer(
                c.displayName(), Stream.of(SweepKernel.values()).flatMap(kernel -> Stream.of(Scheme.values())
                        .flatMap(scheme -> TestGranularities.standard().stream().map(g -> DynamicTest.dynamicTest(
                                kernel + " " + scheme + " " + g, () -> check(c, scheme, g, kernel)))))));
    }

    /**
     * Where the sweep adds the squared errors in the same order as {@link FakeQuant#apply} (see
     * {@link #sameSummationOrder}), its SSE must equal apply's bit for bit: both evaluate the same float32
     * expression per value. This catches a sweep whose rounding differs from torch's only on (near-)ties, which the
     * SSE comparison with torch cannot see (an exact tie has the same squared error on either side). Elsewhere the
     * two sums hold the same non-negative terms grouped differently, so they agree to 2·n·2⁻⁵³ relative. The same
     * order is the scalar reference kernel's; the vector kernel sums in lanes (always another order), so it is held
     * to the 2·n·2⁻⁵³ bound, and its per-value codes are compared with the scalar ones in {@link VectorSweepTest}.
     */
    @TestFactory
    Stream<DynamicNode> sweepEqualsFakeQuantApply() {
        return FakeQuantOracleTest.Golden.cases().stream().map(c -> DynamicContainer.dynamicContainer(
                c.displayName(), Stream.of(Scheme.values()).flatMap(scheme -> TestGranularities.standard().stream()
                        .map(g -> DynamicTest.dynamicTest(scheme + " " + g, () -> {
                            WeightTensor w = c.tensor();
                            ErrorSweep.Result r = ErrorSweep.sweep(w, scheme, g, SweepKernel.SCALAR);
                            ErrorSweep.Result v = ErrorSweep.sweep(w, scheme, g, SweepKernel.VECTOR);
                            boolean exact = sameSummationOrder(w, g);
                            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                                QuantSpec spec = new QuantSpec(b, scheme, g);
                                double apply = FakeQuant.apply(w, QParams.choose(w, spec), new float[w.size()]);
                                double swept = r.sse()[b - Bits.MIN];
                                String at = c.name() + " " + spec + (exact ? " (same order)" : " (other order)");
                                assertRelClose(apply, v.sse()[b - Bits.MIN], 2.0 * w.size() * 0x1p-53,
                                        c.name() + " " + spec + " vector kernel (lanes: other order)");
                                if (exact) {
                                    assertEquals(Double.doubleToLongBits(apply), Double.doubleToLongBits(swept),
                                            at + ": " + apply + " vs " + swept);
                                } else {
                                    assertRelClose(apply, swept, 2.0 * w.size() * 0x1p-53, at);
                                }
                            }
                        })))));
    }

    /**
     * Whether {@link ErrorSweep#sweep} sums in the same order as {@link FakeQuant#apply}. Apply sums one run of
     * values per parameter set: the whole array when there is one (per-tensor or a single channel), otherwise
     * each (outer, channel) segment, element by element when segments have length 1. The sweep sums chunks of
     * {@link ErrorSweep#TENSOR_CHUNK} values per-tensor, segment chunks of {@link ErrorSweep#SEGMENT_CHUNK}
     * per-channel, and whole rows when the channel axis is last.
     */
    static boolean sameSummationOrder(WeightTensor w, Granularity g) {
        if (g == Granularity.PER_TENSOR) {
            return w.size() <= ErrorSweep.TENSOR_CHUNK;
        }
        if (w.inner() == 1) {
            return w.channels() == 1 || w.outer() == 1; // one element per row, or a single row
        }
        if (w.channels() == 1) {
            return w.outer() == 1 && w.inner() <= ErrorSweep.SEGMENT_CHUNK;
        }
        return w.inner() <= ErrorSweep.SEGMENT_CHUNK;
    }

    private static void check(FakeQuantOracleTest.Golden.Case c, Scheme scheme, Granularity granularity,
            SweepKernel kernel) {
        float[] input = c.input().clone();
        WeightTensor w = c.tensor();
        ErrorSweep.Result r = ErrorSweep.sweep(w, scheme, granularity, kernel);
        String where = c.name() + " " + kernel + " " + scheme + " " + granularity;
        assertEquals(w.size(), r.count(), where + ": count");
        assertEquals(Bits.COUNT, r.sse().length, where + ": one SSE per bit-width");
        // Σw²: double sums of the same terms in another order than numpy's, as for the SSE.
        assertRelClose(c.sumSquares(), r.sumSquares(), SSE_REL_TOL, where + ": Σw²");
        int matched = 0;
        for (FakeQuantOracleTest.Golden.Config k : c.configs()) {
            if (k.scheme() != scheme || k.granularity() != granularity) {
                continue;
            }
            matched++;
            String at = where + " int" + k.bits();
            assertRelClose(k.sse(), r.sse()[k.bits() - Bits.MIN], SSE_REL_TOL, at + ": SSE");
            assertRelClose(k.sse() / w.size(), r.mse(k.bits()), SSE_REL_TOL, at + ": MSE");
            double rel = c.sumSquares() == 0 ? 0 : k.sse() / c.sumSquares();
            assertRelClose(rel, r.relative(k.bits()), 2 * SSE_REL_TOL, at + ": relative QE (ratio of two sums)");
        }
        assertEquals(Bits.COUNT, matched, where + ": golden configs");
        assertBitsEqual(input, w.toArray(), where + ": input unchanged");
    }
}
