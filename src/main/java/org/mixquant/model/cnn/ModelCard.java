package org.mixquant.model.cnn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mixquant.io.OutputFiles;

/**
 * The small JSON card kept next to a trained model's weights: what was trained, how, how long, and how well.
 *
 * @param model            built-in name, e.g. {@code resnet20-fashion}
 * @param architecture     {@code resnet20} or {@code mobilenetv2}
 * @param dataset          {@code fashion-mnist (Debian dataset-fashion-mnist)}
 * @param epochs           training epochs
 * @param seed             training seed
 * @param recipe           the remaining settings of the training configuration ({@code train.TrainConfig})
 * @param params           parameters in the stored (BatchNorm) form
 * @param fp32TestAccuracy top-1 on the 10,000 test images, BN-folded inference, 0..1
 * @param trainingSeconds  wall time of the training loop
 * @param epochSeconds     wall time per epoch
 * @param epochTestAccuracy test top-1 after each epoch
 * @param weightsFile      weight file name
 * @param sha256           SHA-256 of the weight file
 * @param command          the command that made it
 * @param environment      toolkit, DJL, PyTorch, Java versions, OS, cores, threads, date
 */
public record ModelCard(String model, String architecture, String dataset, int epochs, long seed,
        Map<String, Object> recipe, long params, double fp32TestAccuracy, double trainingSeconds,
        List<Double> epochSeconds, List<Double> epochTestAccuracy, String weightsFile, String sha256,
        String command, Map<String, Object> environment) {
    /** Card format name. */
    public static final String FORMAT = "mixquant-cnn-card/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The card's JSON text. */
    public String toJson() throws IOException {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("format", FORMAT);
        m.putAll(JSON.convertValue(this, Map.class));
        return JSON.writeValueAsString(m);
    }

    /** Writes the card (atomically, with {@link OutputFiles#writeString}). */
    public void write(Path file) throws IOException {
        OutputFiles.writeString(file, toJson() + "\n");
    }

    /** Reads a card (unknown fields such as {@code format} are ignored). */
    public static ModelCard read(Path file) throws IOException {
        return JSON.copy().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                false).readValue(file.toFile(), ModelCard.class);
    }
}
