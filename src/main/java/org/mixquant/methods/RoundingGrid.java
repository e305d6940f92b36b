package org.mixquant.methods;

import org.mixquant.methods.rounding.LpScaleSearch;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * The grid (scales and zero-points) that a method's quantized weights lie on, recomputed from the layer's FP32
 * weights: what an exporter needs to store a method's result as integer codes
 * ({@link org.mixquant.quant.IntegerWeights#recover}) without the method carrying its parameters. Each method
 * chooses its parameters from the original weights before it rounds, so the choice can be repeated:
 * <ul>
 *   <li>{@code nearest}: min-max ({@link QParams#choose}), per tensor, channel or group;</li>
 *   <li>{@code adaround}: the L<sub>p</sub> scale search ({@link LpScaleSearch#choose}, p = 2.4) of the same
 *       granularity — not min-max: AdaRound shrinks each range first and learns only the rounding;</li>
 *   <li>{@code gptq} per channel or per tensor: min-max of the original weights ({@link GptqLayer}: chosen before
 *       the column loop and before dead columns are zeroed). With groups GPTQ chooses each group's parameters
 *       from the weights as the earlier columns' updates left them, which are not the original weights, so there is
 *       no grid to recompute: refused. (Static groups, {@code --act-order}, choose them up front from the original
 *       weights with dead columns zeroed: accepted, and a zeroed column that changed a range is caught by the
 *       bit-for-bit check of {@code recover}.)</li>
 * </ul>
 * {@code brecq} is refused: its first and last layers get other bits than the plan's
 * ({@link Brecq#DEFAULT_FIRST_LAST_BITS}), so the plan does not say which grid they are on.
 */
public final class RoundingGrid {
    private RoundingGrid() {
    }

    /**
     * The parameters method {@code methodId} ({@link Methods#NAMES}) rounds {@code fp32} onto under {@code spec}.
     * {@code fp32} is not modified.
     *
     * @param gptq GPTQ's settings (for static groups); ignored by the other methods
     * @throws IllegalArgumentException for a method whose grid cannot be recomputed (the message says why)
     */
    public static QParams of(String methodId, WeightTensor fp32, QuantSpec spec, GptqOptions gptq) {
        requireRecoverable(methodId, spec, gptq);
        return switch (Methods.id(methodId).orElseThrow()) {
            case "adaround" -> LpScaleSearch.choose(fp32, spec);
            default -> QParams.choose(fp32, spec);
        };
    }

    /**
     * Checks, before any method runs, that {@link #of} can give {@code methodId}'s grid under {@code spec}.
     *
     * @throws IllegalArgumentException naming the method and why its weights are not on a recomputable grid
     */
    public static void requireRecoverable(String methodId, QuantSpec spec, GptqOptions gptq) {
        String id = Methods.id(methodId).orElseThrow(() -> new IllegalArgumentException("unknown method '"
                + methodId + "': expected one of " + String.join(", ", Methods.NAMES)));
        if (id.equals("brecq")) {
            throw new IllegalArgumentException("brecq's integer codes cannot be exported: its first and last layers"
                    + " are quantized at other bits than the plan's, so the plan does not give their grid");
        }
        if (id.equals("gptq") && spec.granularity().isPerGroup() && !gptq.actOrder() && !gptq.staticGroups()) {
            throw new IllegalArgumentException("gptq with per-group scales cannot be exported: it chooses each"
                    + " group's scale from the weights as updated by the earlier columns, not from the original"
                    + " weights, so its weights are not on a grid the exporter can recompute; export gptq per-channel"
                    + " or per-tensor, or with --act-order (static groups, chosen from the original weights)");
        }
    }
}
