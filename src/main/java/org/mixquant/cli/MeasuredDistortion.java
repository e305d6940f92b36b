package org.mixquant.cli;

import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.ParameterException;

/**
 * The distortion behind {@code --cost measured} and {@code frontier}'s additivity check, by the kind of model the
 * command scores: on {@code --inputs} arrays the normalised output error on the calibration arrays (learned rounding's:
 * {@code --calibration-inputs}, else the first half of the inputs); an ONNX image classifier the KL of softmax on
 * calibration images ({@link ImageDataMixin#calibrationImages}); the bundled CNNs and text encoders their default
 * calibration data ({@link Sensitivity#distortion(QuantizableModel, int, int)}).
 */
final class MeasuredDistortion {
    private MeasuredDistortion() {
    }

    /**
     * The distortion of {@code m} on {@code samples} calibration samples (0: the default).
     *
     * @param imageClassifier true when {@code m} is scored as an ONNX image classifier
     *                        ({@link ImageDataMixin#appliesTo})
     * @throws IllegalArgumentException for an ONNX model with no calibration data (neither text, image classifier
     *                                  nor {@code --inputs}), saying to give {@code --inputs}
     */
    static Distortion of(BaseCommand cmd, QuantizableModel m, boolean imageClassifier, ImageDataMixin images,
            ArrayInputsMixin arrays, int samples) throws Exception {
        if (m instanceof OnnxModel onnx && arrays.given()) {
            if (arrays.calibration() == null) {
                arrays.load(cmd, true);
            }
            return Sensitivity.outputs(onnx, arrays.calibration(), cmd.threads(), samples);
        }
        if (m instanceof OnnxModel onnx && imageClassifier) {
            return Sensitivity.imageClassifier(onnx, images.calibrationImages(onnx, samples), cmd.threads());
        }
        try {
            return Sensitivity.distortion(m, cmd.threads(), samples);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; for any other ONNX model give --inputs FILE.npz"
                    + " (arrays to measure its output error on)", e);
        }
    }

    /** {@code --cost fisher} on a model that is not a bundled CNN: a usage error saying why. */
    static void requireFisherSupported(BaseCommand cmd, String model, java.util.Collection<?> costs) {
        if (costs.contains(org.mixquant.search.CostKind.FISHER)
                && !org.mixquant.model.cnn.CnnModels.isBuiltIn(model)) {
            throw new ParameterException(cmd.spec.commandLine(), "--cost fisher: "
                    + Sensitivity.fisherOnlyOnCnns(model));
        }
    }
}
