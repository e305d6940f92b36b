package org.mixquant.methods;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.mixquant.model.onnx.OnnxConv;
import org.mixquant.model.LayerSite;
import org.mixquant.model.QuantizableModel;

/**
 * Calibration data for reconstruction methods: runs a version of the model on a fixed calibration set and hands back
 * what feeds its layers, one row per sample position (a token for text models; for convolutions, BRECQ's capture
 * will hand back whole feature maps). The same rows, in the same order, come back for every version of the model,
 * so inputs captured from the quantized model line up with targets computed from the FP32 one.
 */
public interface CalibrationCapture {
    /** Calibration samples used (sentences, images). */
    int samples();

    /** Rows per captured input (≤ the positions the samples give, when subsampled). */
    int rows();

    /**
     * Where layer {@code layer} sits: its input tensor, bias and activation.
     *
     * @throws IllegalArgumentException for a layer the capture does not cover
     */
    LayerSite site(String layer);

    /**
     * Runs {@code state} on the calibration set and returns the named input tensors (see {@link LayerSite#input()}).
     *
     * @param state  the FP32 model or a version of it with replaced weights
     * @param inputs tensor names
     * @return tensor name → {@code rows() × width} floats, row-major
     * @throws IllegalArgumentException if {@code state} is not a version of the calibrated model
     */
    Map<String, float[]> inputs(QuantizableModel state, Collection<String> inputs) throws Exception;

    /**
     * The factor layer {@code layer} multiplies its input by before the weight (an ONNX Gemm's {@code alpha}); the
     * reconstruction applies it to the captured inputs. 1 unless the capture says otherwise.
     */
    default float inputScale(String layer) {
        return 1f;
    }

    /**
     * The geometry of a convolution layer, whose captured input is whole feature maps ({@link #sampleShape}); empty
     * for fully connected layers (the default), whose inputs are rows.
     */
    default Optional<OnnxConv> convolution(String layer) {
        return Optional.empty();
    }

    /**
     * The shape of one sample of a captured tensor fed to a convolution, {@code [C, H, W]} (known once
     * {@link #inputs} has captured it); {@code null} for row tensors {@code [rows, width]} (the default).
     */
    default int[] sampleShape(String tensor) {
        return null;
    }

    /**
     * {@link #inputs}, with a failure of the model run (ONNX Runtime, say) rethrown as an
     * {@link IllegalStateException} naming it; an {@link IllegalArgumentException} (wrong model) passes unchanged.
     */
    default Map<String, float[]> inputsOrThrow(QuantizableModel state, Collection<String> inputs) {
        try {
            return inputs(state, inputs);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("capturing layer inputs failed: " + e.getMessage(), e);
        }
    }

    /**
     * A capture for one pass over the model's layers in forward order, where each call may reuse what earlier calls
     * of the same pass computed (e.g. run only from the previous block's captured output, see
     * {@link OnnxTextCalibration#forwardOrder}); same results as this capture. This one by default. Use the returned
     * capture for one pass only, from one thread.
     */
    default CalibrationCapture forwardOrder() {
        return this;
    }
}
