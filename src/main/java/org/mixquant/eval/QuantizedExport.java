package org.mixquant.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mixquant.methods.GptqOptions;
import org.mixquant.methods.RoundingGrid;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxExport;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * An ONNX model quantized with a {@link BitPlan} and stored as integers ({@link OnnxExport}), with its
 * fake-quantized twin and its computed size. Every layer's codes and parameters come from
 * {@link IntegerWeights#nearest} with the plan's bits, scheme and granularity (the same formulas as
 * {@code methods.NearestRounding}), or, for a learned-rounding result ({@link #recovered}), from the method's weights
 * on the grid it rounded onto; {@link #fakeQuant()} holds exactly the dequantized codes and is the model the
 * exported file must reproduce.
 *
 * @param onnx      the exported model
 * @param fakeQuant the FP32 model with each layer's weights replaced by its dequantized codes
 * @param plan      the plan exported
 * @param size      the computed size under the plan ({@link SizeReport#of})
 */
public record QuantizedExport(OnnxExport onnx, OnnxModel fakeQuant, BitPlan plan, SizeReport size) {
    /** Rejects nulls. */
    public QuantizedExport {
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(fakeQuant, "fakeQuant");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(size, "size");
    }

    /**
     * Quantizes every layer of {@code fp32} to the bits {@code plan} gives it (min-max scales, round to nearest) and
     * builds the integer model. {@code fp32} is not changed.
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers, or
     *                                  {@link OnnxExport#of} refuses the model (the message says why)
     */
    public static QuantizedExport nearest(OnnxModel fp32, BitPlan plan) {
        return nearest(fp32, plan, false);
    }

    /**
     * Like {@link #nearest(OnnxModel, BitPlan)}, with layers of at most 4 bits stored as UINT4/INT4 (opset 21) when
     * {@code int4} is set ({@link OnnxExport#of(OnnxModel, List, boolean)}). A per-group plan is written as blocked
     * {@code DequantizeLinear} (opset 21, {@link OnnxExport}).
     */
    public static QuantizedExport nearest(OnnxModel fp32, BitPlan plan, boolean int4) {
        plan.validateFor(fp32.layerNames());
        Map<String, IntegerWeights> codes = new LinkedHashMap<>();
        for (Layer l : fp32.layers()) {
            codes.put(l.name(), IntegerWeights.nearest(l.weight(), specOf(plan, l.name())));
        }
        return build(fp32, plan, codes, int4);
    }

    /**
     * The integer model of a learned-rounding result: {@code quantized} is {@code fp32} quantized with
     * {@code plan} by method {@code methodId}; each layer's codes are recovered from its weights on the grid
     * {@link RoundingGrid#of} recomputes from {@code fp32}'s weights ({@link IntegerWeights#recover}: every code
     * dequantizes back to the method's weight bit for bit, else an error). Neither model is changed.
     *
     * @param gptq GPTQ's settings (static groups), ignored by the other methods
     * @throws IllegalArgumentException if the method's grid cannot be recomputed, or a layer's weights are not on
     *                                  it (the message names the layer and the first weight off the grid)
     */
    public static QuantizedExport recovered(OnnxModel fp32, QuantizableModel quantized, BitPlan plan,
            String methodId, GptqOptions gptq, boolean int4) {
        plan.validateFor(fp32.layerNames());
        Map<String, IntegerWeights> codes = new LinkedHashMap<>();
        for (Layer l : fp32.layers()) {
            QuantSpec spec = specOf(plan, l.name());
            QParams grid = RoundingGrid.of(methodId, l.weight(), spec, gptq);
            try {
                codes.put(l.name(), IntegerWeights.recover(quantized.layer(l.name()).weight(), grid));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(methodId + " layer '" + l.name() + "': " + e.getMessage()
                        + "; its integer codes cannot be exported", e);
            }
        }
        return build(fp32, plan, codes, int4);
    }

    /** The layer's spec under {@code plan}: its bits, the plan's scheme and granularity. */
    static QuantSpec specOf(BitPlan plan, String layer) {
        return new QuantSpec(plan.bitsOf(layer), plan.scheme(), plan.granularity());
    }

    /**
     * The export's form of one layer's codes: per-group parameters with more than one group per channel carry their
     * group size; a per-group spec whose G covers the whole input dimension has per-channel parameters.
     */
    public static OnnxExport.IntegerLayer integerLayer(String layer, IntegerWeights iw) {
        int g = iw.params().groups() > 1 ? iw.spec().granularity().groupSize() : 0;
        return new OnnxExport.IntegerLayer(layer, iw.codes(), iw.params().scales(), iw.params().zeroPoints(),
                iw.signed(), iw.spec().bits(), g);
    }

    private static QuantizedExport build(OnnxModel fp32, BitPlan plan, Map<String, IntegerWeights> codes,
            boolean int4) {
        List<OnnxExport.IntegerLayer> layers = new ArrayList<>();
        Map<String, WeightTensor> dequantized = new LinkedHashMap<>();
        for (Map.Entry<String, IntegerWeights> e : codes.entrySet()) {
            layers.add(integerLayer(e.getKey(), e.getValue()));
            dequantized.put(e.getKey(), e.getValue().dequantize());
        }
        OnnxExport onnx = OnnxExport.of(fp32, layers, int4);
        return new QuantizedExport(onnx, fp32.withWeights(dequantized), plan, SizeReport.of(fp32, plan));
    }
}
