package org.mixquant.methods;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.progress.Progress;
import org.mixquant.methods.rounding.ReconstructionOptions;

/**
 * The quantization methods by name, each set up with its calibration data for a given model, so the command line and
 * notebooks build them the same way:
 * <ul>
 *   <li>{@code nearest} — {@link NearestRounding} (min-max scales, round to nearest; the plan's scheme, asymmetric
 *       or symmetric); {@code asym}, its name before, is accepted as an alias ({@link #ALIASES});</li>
 *   <li>{@code adaround} — layer-wise learned rounding, {@link AdaRound}: on the CNNs with seeded Fashion-MNIST
 *       training images as calibration, on ONNX text models with fortune entries from
 *       {@link OnnxTextCalibration#FORTUNE_OFFSET} (disjoint from the evaluation corpus);</li>
 *   <li>{@code brecq} — block reconstruction, {@link Brecq#blocks}, CNNs only (a transformer's blocks are not modelled
 *       here);</li>
 *   <li>{@code gptq} — {@link Gptq} with {@link Extras#gptq()}'s settings, on the same calibration data as
 *       {@code adaround} (CNNs: Fashion-MNIST training images; ONNX text models: fortunes from
 *       {@link OnnxTextCalibration#FORTUNE_OFFSET}).</li>
 * </ul>
 */
public final class Methods {
    /** Method ids, in the order tables list them. */
    public static final List<String> NAMES = List.of("nearest", "adaround", "brecq", "gptq");

    /**
     * Other spellings {@link #create} accepts, each mapped to its id in {@link #NAMES}: {@code asym} →
     * {@code nearest} (the command line's name for nearest rounding before, kept so scripts and notebooks keep
     * working; it is exactly the same method, so it is taken silently).
     */
    public static final Map<String, String> ALIASES = Map.of("asym", "nearest");

    private Methods() {
    }

    /**
     * The id in {@link #NAMES} that {@code name} stands for (ignoring case and surrounding blanks, resolving
     * {@link #ALIASES}), or empty when it names no method.
     */
    public static Optional<String> id(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        String id = ALIASES.getOrDefault(n, n);
        return NAMES.contains(id) ? Optional.of(id) : Optional.empty();
    }

    /**
     * Settings that only some methods use.
     *
     * @param fisher        BRECQ: Fisher-diagonal weighting of the block loss
     * @param firstLastBits BRECQ: bits of the first and last layers (0 = follow the plan)
     * @param gptq          GPTQ: block size, dampening, act-order, groups (its threads are replaced by the
     *                      reconstruction options' threads)
     * @param log           per-layer/block lines and settings
     * @param warn          warnings that should be seen even when the log is not (GPTQ: too few calibration rows,
     *                      more dampening)
     * @param progress      optimisation steps
     */
    public record Extras(boolean fisher, int firstLastBits, GptqOptions gptq, Consumer<String> log,
            Consumer<String> warn, Progress progress) {
        /** Rejects nulls. */
        public Extras {
            Objects.requireNonNull(gptq, "gptq");
            Objects.requireNonNull(warn, "warn");
            Objects.requireNonNull(log, "log");
            Objects.requireNonNull(progress, "progress");
        }

        /**
         * BRECQ's defaults (no Fisher weighting, first/last layers at 8 bits) and GPTQ's ({@link GptqOptions#defaults}),
         * silent.
         */
        public static Extras defaults() {
            return new Extras(false, Brecq.DEFAULT_FIRST_LAST_BITS, GptqOptions.defaults(), s -> { }, s -> { },
                    Progress.NONE);
        }
    }

    /**
     * Checks, from the model's name alone (before it is loaded), that method {@code name} can run on {@code model}
     * (a built-in name or a path to an {@code .onnx} file): {@code brecq} needs one of the Fashion-MNIST CNNs.
     *
     * @throws IllegalArgumentException naming the models the method supports
     */
    public static void requireSupported(String name, String model) {
        if (id(name).orElse("").equals("brecq") && !CnnModels.isBuiltIn(model)) {
            throw new IllegalArgumentException(brecqOnlyOnCnns(model));
        }
    }

    private static String brecqOnlyOnCnns(String model) {
        return "brecq (block reconstruction) is implemented for the Fashion-MNIST CNNs only ("
                + String.join(", ", CnnModels.builtIn()) + "), not for " + model + "; use adaround there";
    }

    /**
     * The method {@code name} for {@code model}, an ONNX model whose learned rounding calibrates on user-given arrays
     * ({@link OnnxArrayCalibration}: MatMul, Gemm and Conv layers) instead of the fortune texts; {@code calibration}
     * {@code null} is {@link #create(String, QuantizableModel, ReconstructionOptions, Extras)}.
     *
     * @throws IllegalArgumentException for an unknown name, {@code brecq} (CNNs only) or {@code gptq} (not on
     *                                  array-calibrated models yet)
     */
    public static Quantizer create(String name, QuantizableModel model, ReconstructionOptions options,
            Extras extras, org.mixquant.data.NamedArrays calibration) throws IOException {
        if (calibration == null) {
            return create(name, model, options, extras);
        }
        String n = id(name).orElse(name);
        if (!(model instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("calibration arrays apply to ONNX models, not " + model.source());
        }
        return switch (n) {
            case "nearest" -> new NearestRounding();
            case "adaround" -> AdaRound.create(OnnxArrayCalibration.create(onnx, calibration, options), options)
                    .withLog(extras.log()).withProgress(extras.progress());
            case "brecq" -> throw new IllegalArgumentException(brecqOnlyOnCnns(model.source()));
            case "gptq" -> throw new IllegalArgumentException("gptq on a model scored on given inputs is not"
                    + " supported yet; use nearest or adaround");
            default -> throw new IllegalArgumentException("unknown method '" + name + "': expected one of "
                    + String.join(", ", NAMES));
        };
    }

    /**
     * The method {@code name} (an id of {@link #NAMES} or an alias, see {@link #id}) for {@code model}.
     *
     * @param options reconstruction settings (ignored by {@code nearest}); {@code calibrationSamples} images or texts
     *                are loaded here, with {@code seed}
     * @throws IllegalArgumentException for an unknown name or a method the model does not support
     * @throws IOException              if calibration data cannot be read
     */
    public static Quantizer create(String name, QuantizableModel model, ReconstructionOptions options,
            Extras extras) throws IOException {
        String n = id(name).orElse(name);
        switch (n) {
            case "nearest":
                return new NearestRounding();
            case "adaround":
                if (model instanceof CnnModel) {
                    return AdaRound.create(FashionMnist.calibration(options.calibrationSamples(), options.seed()),
                            options).withLog(extras.log()).withProgress(extras.progress());
                }
                if (model instanceof OnnxModel onnx) {
                    List<String> texts = OnnxTextCalibration.fortuneTexts(options.calibrationSamples());
                    long[][] ids = TokenIds.forModel(onnx, texts, TextEmbedder.DEFAULT_MAX_TOKENS);
                    return AdaRound.create(OnnxTextCalibration.create(onnx, ids, options), options)
                            .withLog(extras.log()).withProgress(extras.progress());
                }
                throw new IllegalArgumentException("adaround supports the CNNs and ONNX text models, not "
                        + model.source());
            case "brecq":
                if (model instanceof CnnModel) {
                    return Brecq.blocks(FashionMnist.calibration(options.calibrationSamples(), options.seed()),
                            options).withFisher(extras.fisher()).withFirstLastBits(extras.firstLastBits())
                            .withLog(extras.log()).withProgress(extras.progress());
                }
                throw new IllegalArgumentException(brecqOnlyOnCnns(model.source()));
            case "gptq": {
                GptqOptions g = extras.gptq().withThreads(options.threads());
                if (model instanceof CnnModel) {
                    return Gptq.create(FashionMnist.calibration(options.calibrationSamples(), options.seed()),
                            options, g).withLog(extras.log()).withWarnings(extras.warn());
                }
                if (model instanceof OnnxModel onnx) {
                    List<String> texts = OnnxTextCalibration.fortuneTexts(options.calibrationSamples());
                    long[][] ids = TokenIds.forModel(onnx, texts, TextEmbedder.DEFAULT_MAX_TOKENS);
                    return Gptq.create(OnnxTextCalibration.create(onnx, ids, options), g).withLog(extras.log())
                            .withWarnings(extras.warn());
                }
                throw new IllegalArgumentException("gptq supports the CNNs and ONNX text models, not "
                        + model.source());
            }
            default:
                throw new IllegalArgumentException("unknown method '" + name + "': expected one of "
                        + String.join(", ", NAMES));
        }
    }
}
