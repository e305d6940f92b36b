package org.mixquant.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mixquant.io.Npz;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.tensor.WeightTensor;

/**
 * A bundled Fashion-MNIST CNN quantized with a {@link BitPlan} by nearest rounding, as a NumPy {@code .npz} of
 * integer codes that the PyTorch oracle ({@code tools/cnn/torch_cnn.py --weights model-q.npz}) loads, dequantizes and
 * runs. The network is in its BatchNorm-folded form, the form the toolkit quantizes and evaluates
 * ({@link CnnModel#folded()}): for every quantized layer (each convolution's {@code NAME.weight}, and
 * {@code head.fc.weight}) the archive holds
 * <ul>
 *   <li>{@code NAME.weight.codes}: the codes in the weight's shape, {@code uint8} (asymmetric) or {@code int8}
 *       (symmetric);</li>
 *   <li>{@code NAME.weight.scale} ({@code float32}) and {@code NAME.weight.zero_point} ({@code int32}): shape
 *       {@code ()} per tensor, {@code (out,)} per output channel (axis 0), {@code (groups, out)} per group of
 *       {@code G} consecutive weights of the flattened {@code in·kh·kw} ({@link org.mixquant.quant.QParams}'s
 *       layout, ragged last group);</li>
 *   <li>{@code NAME.weight.group_size} ({@code int32} scalar): G, or 0 without groups;</li>
 * </ul>
 * and every FP32 parameter that is not quantized, {@code NAME.bias} (the folded biases). Dequantized as
 * {@code (q − zp) · scale} in float32 the codes give exactly the weights {@code evaluate} runs
 * ({@link #fakeQuant()}).
 *
 * @param arrays    the archive's arrays, in forward order
 * @param fakeQuant the model with each layer's weights replaced by its dequantized codes
 * @param plan      the plan exported
 * @param size      the computed size under the plan
 */
public record CnnNpzExport(List<Npz.Array> arrays, CnnModel fakeQuant, BitPlan plan, SizeReport size) {
    /** Copies the list; rejects nulls. */
    public CnnNpzExport {
        arrays = List.copyOf(arrays);
        Objects.requireNonNull(fakeQuant, "fakeQuant");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(size, "size");
    }

    /**
     * Quantizes every layer of {@code fp32} (folded, not modified) to the bits {@code plan} gives it with min-max
     * parameters and round-to-nearest ({@link IntegerWeights#nearest}).
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers
     */
    public static CnnNpzExport nearest(CnnModel fp32, BitPlan plan) {
        plan.validateFor(fp32.layerNames());
        List<Npz.Array> arrays = new ArrayList<>();
        Map<String, WeightTensor> dequantized = new LinkedHashMap<>();
        Map<String, WeightTensor> folded = fp32.folded().tensors();
        for (Layer l : fp32.layers()) {
            IntegerWeights iw = IntegerWeights.nearest(l.weight(), QuantizedExport.specOf(plan, l.name()));
            String t = l.tensorName();
            int channels = l.channels();
            int groups = iw.params().groups();
            int[] paramShape = iw.params().count() == 1 ? new int[0]
                    : groups > 1 ? new int[] {groups, channels} : new int[] {channels};
            arrays.add(Npz.Array.int8(t + ".codes", iw.signed(), iw.codes(), l.shape()));
            arrays.add(Npz.Array.float32(t + ".scale", iw.params().scales(), paramShape));
            arrays.add(Npz.Array.int32(t + ".zero_point", iw.params().zeroPoints(), paramShape));
            arrays.add(Npz.Array.int32(t + ".group_size",
                    new int[] {groups > 1 ? iw.spec().granularity().groupSize() : 0}));
            String bias = l.name() + ".bias";
            WeightTensor b = folded.get(bias);
            arrays.add(Npz.Array.float32(bias, b.toArray(), b.shape()));
            dequantized.put(l.name(), iw.dequantize());
        }
        return new CnnNpzExport(arrays, fp32.withWeights(dequantized), plan, SizeReport.of(fp32, plan));
    }

    /** Writes the archive to {@code file} atomically (no partial file on failure). */
    public void write(Path file) throws IOException {
        Npz.write(file, arrays);
    }
}
