package org.mixquant.model.cnn;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads the kept Fashion-MNIST CNN weights: {@code datasets/<arch>-fashion.mqw} with its
 * {@code .mqw.sha256} checksum (verified on load) and {@code .json} card.
 *
 * <p>The {@code datasets} folder is found, in this order: the system property {@code mixquant.datasets}, the
 * environment variable {@code MIXQUANT_DATASETS}, a {@code datasets} folder in the working directory or any parent,
 * and one next to the toolkit's jar or classes folder (or their parents), so the CLI, notebooks and tests all find the
 * repository's copy. Loading needs neither network nor training.
 */
public final class CnnModels {
    /** File extension of weight files. */
    public static final String EXT = ".mqw";

    private CnnModels() {
    }

    /** True when {@code name} is {@code resnet20-fashion} or {@code mobilenetv2-fashion} (case-insensitive). */
    public static boolean isBuiltIn(String name) {
        return CnnArch.ofModelName(name) != null;
    }

    /** The built-in names. */
    public static List<String> builtIn() {
        List<String> out = new ArrayList<>();
        for (CnnArch a : CnnArch.values()) {
            out.add(a.modelName());
        }
        return out;
    }

    /**
     * Loads a built-in model by name.
     *
     * @throws IOException if the weights are missing or fail their checksum (the message says where it looked)
     */
    public static CnnModel load(String name) throws IOException {
        CnnArch arch = CnnArch.ofModelName(name);
        if (arch == null) {
            throw new IllegalArgumentException("unknown CNN '" + name + "': expected one of " + builtIn());
        }
        return load(arch, weightsFile(arch));
    }

    /** Loads {@code arch} from a weight file, checking its {@code .sha256}. */
    public static CnnModel load(CnnArch arch, Path file) throws IOException {
        return CnnModel.of(arch.modelName(), arch, CnnWeights.readVerified(file));
    }

    /** {@code <datasets>/<arch>-fashion.mqw}. */
    public static Path weightsFile(CnnArch arch) throws IOException {
        return datasetsDir().resolve(arch.modelName() + EXT);
    }

    /** {@code <datasets>/<arch>-fashion.json}, the model card. */
    public static Path cardFile(CnnArch arch) throws IOException {
        return datasetsDir().resolve(arch.modelName() + ".json");
    }

    /**
     * The {@code datasets} folder holding the kept weights.
     *
     * @throws IOException if none is found (the message lists where it looked)
     */
    public static Path datasetsDir() throws IOException {
        List<Path> tried = new ArrayList<>();
        String prop = System.getProperty("mixquant.datasets");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("MIXQUANT_DATASETS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            var cs = CnnModels.class.getProtectionDomain().getCodeSource();
            if (cs != null) {
                starts.add(Path.of(cs.getLocation().toURI()).toAbsolutePath());
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall through: the working directory is still searched
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                Path d = p.resolve("datasets");
                tried.add(d);
                if (Files.isRegularFile(d.resolve(CnnArch.RESNET20.modelName() + EXT))
                        || Files.isRegularFile(d.resolve(CnnArch.MOBILENETV2.modelName() + EXT))) {
                    return d;
                }
            }
        }
        throw new IOException("no datasets/ folder with the kept CNN weights (" + builtIn().get(0) + EXT
                + ") found; looked in " + tried + "; set -Dmixquant.datasets=DIR or MIXQUANT_DATASETS, or run"
                + " 'mixquant train --arch resnet20 --out datasets' in the repository");
    }
}
