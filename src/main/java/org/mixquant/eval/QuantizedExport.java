package org.mixquant.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mixquant.model.Layer;
import org.mixquant.model.onnx.OnnxExport;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * An ONNX model quantized with a {@link BitPlan} by nearest rounding and stored as integers ({@link OnnxExport}),
 * with its fake-quantized twin and its computed size. Every layer's codes and parameters come from
 * {@link IntegerWeights#nearest} with the plan's bits, scheme and granularity, the same formulas as
 * {@code methods.NearestRounding}, so {@link #fakeQuant()} holds exactly the dequantized codes and is the model the
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
     * Why a per-group plan is not exported: ONNX stores group scales only as {@code DequantizeLinear} blocked
     * quantization ({@code block_size}, opset 21), which this exporter does not write yet, and a conv's groups run
     * over the flattened {@code in·kh·kw}, which a block along one axis cannot express.
     */
    public static final String PER_GROUP_UNSUPPORTED = "per-group scales are not exported yet: ONNX keeps group"
            + " scales only as DequantizeLinear block_size (blocked quantization, opset 21), which the exporter does"
            + " not write; export a per-channel or per-tensor plan";

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
     * {@code int4} is set ({@link OnnxExport#of(OnnxModel, List, boolean)}).
     */
    public static QuantizedExport nearest(OnnxModel fp32, BitPlan plan, boolean int4) {
        if (plan.granularity().isPerGroup()) {
            throw new IllegalArgumentException(PER_GROUP_UNSUPPORTED);
        }
        plan.validateFor(fp32.layerNames());
        List<OnnxExport.IntegerLayer> layers = new ArrayList<>();
        Map<String, WeightTensor> dequantized = new LinkedHashMap<>();
        for (Layer l : fp32.layers()) {
            QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
            IntegerWeights iw = IntegerWeights.nearest(l.weight(), spec);
            layers.add(new OnnxExport.IntegerLayer(l.name(), iw.codes(), iw.params().scales(),
                    iw.params().zeroPoints(), iw.signed(), spec.bits()));
            dequantized.put(l.name(), iw.dequantize());
        }
        OnnxExport onnx = OnnxExport.of(fp32, layers, int4);
        return new QuantizedExport(onnx, fp32.withWeights(dequantized), plan, SizeReport.of(fp32, plan));
    }
}
