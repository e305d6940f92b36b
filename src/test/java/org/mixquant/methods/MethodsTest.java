package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.onnx.OnnxModel;

/** Method ids, the {@code asym} alias, and what {@link Methods#create} builds (no calibration loaded here). */
class MethodsTest {
    @Test
    void oneIdPerMethodAndAsymIsAnAliasOfNearest() {
        assertEquals(List.of("nearest", "adaround", "brecq", "gptq"), Methods.NAMES);
        assertEquals(Optional.of("nearest"), Methods.id("asym"));
        assertEquals(Optional.of("nearest"), Methods.id(" ASYM "));
        assertEquals(Optional.of("nearest"), Methods.id("Nearest"));
        assertEquals(Optional.of("brecq"), Methods.id("brecq"));
        assertEquals(Optional.empty(), Methods.id("sym"), "a scheme is not a method");
        assertEquals(Optional.empty(), Methods.id("asymmetric"), "a scheme is not a method");
        for (String alias : Methods.ALIASES.keySet()) {
            assertTrue(!Methods.NAMES.contains(alias) && Methods.NAMES.contains(Methods.ALIASES.get(alias)), alias);
        }
    }

    @Test
    void createBuildsNearestRoundingForTheIdAndTheAlias() throws IOException {
        OnnxModel m = AdaRoundTest.model();
        ReconstructionOptions options = ReconstructionOptions.builder().build();
        for (String name : List.of("nearest", "asym", "ASYM")) {
            Quantizer q = Methods.create(name, m, options, Methods.Extras.defaults());
            assertInstanceOf(NearestRounding.class, q, name);
            assertEquals("nearest", q.name(), name);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Methods.create("omniquant", m, options, Methods.Extras.defaults()));
        assertTrue(e.getMessage().contains("nearest, adaround, brecq, gptq"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Methods.create("brecq", m, options,
                Methods.Extras.defaults()), "block reconstruction is CNN-only");
    }
}
