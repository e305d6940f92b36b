package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mixquant.quant.FakeQuantOracleTest.assertBitsEqual;

import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixquant.tensor.WeightTensor;

/**
 * {@link QParams#choose} against the scales and zero-points the PyTorch oracle script computed with the DESIGN.md
 * formulas in float32 torch arithmetic, and {@link QuantSpec#qmin()}/{@link QuantSpec#qmax()} against the grids it
 * passed to {@code torch.fake_quantize_*_affine} (golden file: {@link FakeQuantOracleTest.Golden}). Both are
 * defined exactly in float32/integers, so every comparison is exact.
 */
class QParamsOracleTest {

    @TestFactory
    Stream<DynamicNode> chosenScalesAndZeroPointsEqualTorch() {
        return FakeQuantOracleTest.Golden.cases().stream().map(c -> DynamicContainer.dynamicContainer(
                c.displayName(), c.configs().stream().map(k -> DynamicTest.dynamicTest(k.displayName(), () -> {
                    String where = c.name() + " " + k.displayName();
                    float[] input = c.input().clone();
                    WeightTensor w = c.tensor();
                    QParams p = QParams.choose(w, k.spec());
                    int expectedChannels = k.granularity() == Granularity.PER_CHANNEL ? c.shape()[c.channelAxis()] : 1;
                    assertEquals(expectedChannels, k.scale().length, where + ": golden parameter count");
                    assertEquals(expectedChannels, p.channels(), where + ": channels");
                    assertBitsEqual(k.scale(), p.scales(), where + ": scales");
                    assertArrayEquals(k.zeroPoint(), p.zeroPoints(), where + ": zero-points");
                    assertEquals(k.spec(), p.spec(), where + ": spec");
                    assertBitsEqual(input, w.toArray(), where + ": input unchanged");
                }))));
    }

    /** The integer grids of QuantSpec are the quant_min/quant_max torch was called with, for every config. */
    @ParameterizedTest(name = "int{0}")
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
    void gridsAreTheOnesTorchUsed(int bits) {
        QuantSpec asym = new QuantSpec(bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        QuantSpec sym = new QuantSpec(bits, Scheme.SYMMETRIC, Granularity.PER_CHANNEL);
        assertEquals(0, asym.qmin(), "asymmetric qmin");
        assertEquals((1 << bits) - 1, asym.qmax(), "asymmetric qmax = 2^b - 1");
        assertEquals(-((1 << (bits - 1)) - 1), sym.qmin(), "symmetric qmin = -(2^(b-1) - 1) (restricted range)");
        assertEquals((1 << (bits - 1)) - 1, sym.qmax(), "symmetric qmax = 2^(b-1) - 1");
        int seen = 0;
        for (FakeQuantOracleTest.Golden.Case c : FakeQuantOracleTest.Golden.cases()) {
            for (FakeQuantOracleTest.Golden.Config k : c.configs()) {
                if (k.bits() != bits) {
                    continue;
                }
                seen++;
                QuantSpec spec = k.spec();
                String where = c.name() + " " + k.displayName();
                assertEquals(k.qmin(), spec.qmin(), where + ": qmin");
                assertEquals(k.qmax(), spec.qmax(), where + ": qmax");
                for (int z : k.zeroPoint()) {
                    assertTrue(z >= spec.qmin() && z <= spec.qmax(), where + ": zero-point " + z + " on the grid");
                }
            }
        }
        assertEquals(4 * FakeQuantOracleTest.Golden.cases().size(), seen, "configs with int" + bits);
    }
}
