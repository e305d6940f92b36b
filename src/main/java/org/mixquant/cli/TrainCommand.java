package org.mixquant.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mixquant.data.FashionMnist;
import org.mixquant.eval.Accuracy;
import org.mixquant.eval.AccuracyEvaluator;
import org.mixquant.io.Version;
import org.mixquant.io.OutputFiles;
import org.mixquant.model.cnn.CnnArch;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.ModelCard;
import org.mixquant.train.CnnTrainer;
import org.mixquant.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mixquant train --arch resnet20|mobilenetv2 [--epochs N] [--seed S] [--out DIR]}. */
@Command(name = "train", description = "Train a Fashion-MNIST CNN with the recipe of the kept weights and write"
        + " <arch>-fashion.mqw, its .sha256 and a .json card to --out.")
final class TrainCommand extends BaseCommand {
    @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "resnet20 or mobilenetv2")
    String arch;

    @Option(names = "--epochs", paramLabel = "N", converter = OptionValues.Positive.class,
            description = "Epochs (default: as the kept weights, " + TrainConfig.DEFAULT_EPOCHS + ").")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for initialisation, shuffling and augmentation"
            + " (default " + TrainConfig.DEFAULT_SEED + ").")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/cnn", description = "Output folder (default"
            + " ${DEFAULT-VALUE}; 'datasets' replaces the kept weights).")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder of the Fashion-MNIST gzip IDX files"
            + " (default /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--train-limit", paramLabel = "N", hidden = true, defaultValue = "0",
            converter = OptionValues.NonNegative.class,
            description = "Train on the first N shuffled images only (quick checks).")
    int trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", hidden = true, defaultValue = "0",
            converter = OptionValues.NonNegative.class,
            description = "Measure accuracy on the first N test images only (quick checks).")
    int testLimit;

    @Override
    public Integer call() throws Exception {
        CnnArch a;
        try {
            a = CnnArch.parse(arch);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        checkOutputFolder(out, "--out");
        TrainConfig cfg = TrainConfig.defaults(a).withThreads(threads()).withTrainLimit(trainLimit);
        if (epochs != null) {
            cfg = cfg.withEpochs(epochs);
        }
        if (seed != null) {
            cfg = cfg.withSeed(seed);
        }
        Path dir = data != null ? data : FashionMnist.DEFAULT_DIR;
        FashionMnist train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
        FashionMnist test = FashionMnist.load(dir, FashionMnist.Split.TEST);
        if (testLimit > 0) {
            test = test.head(testLimit);
        }
        info(f("training %s on %d images for %d epochs (seed %d, %d threads)", a.cliName(),
                trainLimit > 0 ? Math.min(trainLimit, train.size()) : train.size(), cfg.epochs(), cfg.seed(),
                cfg.threads()));
        CnnTrainer.Result r = CnnTrainer.train(cfg, train, test, this::info);
        OutputFiles.createFolder(out);
        Path weights = out.resolve(a.modelName() + CnnModels.EXT);
        String sha = r.weights().write(weights);
        CnnModel model = CnnModel.of(a.modelName(), a, r.weights());
        Accuracy acc = AccuracyEvaluator.create(test, AccuracyEvaluator.DEFAULT_BATCH, cfg.threads(), progress())
                .evaluate(model);
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("batchSize", cfg.batchSize());
        recipe.put("optimizer", cfg.nesterov() ? "SGD, Nesterov momentum" : "SGD, momentum");
        recipe.put("lr", cfg.lr());
        recipe.put("schedule", "cosine per step from lr to 0");
        recipe.put("momentum", cfg.momentum());
        recipe.put("weightDecay", cfg.weightDecay());
        recipe.put("weightDecayOn", "convolution and linear weights (not BatchNorm, not biases)");
        recipe.put("augmentation", "random shift up to " + cfg.pad() + " px (zero fill)"
                + (cfg.flip() ? " + horizontal flip p=0.5" : ""));
        recipe.put("init", "Kaiming normal fan-out for convolutions, BN 1/0, Linear uniform ±1/sqrt(in)");
        recipe.put("loss", "softmax cross-entropy");
        recipe.put("trainImages", trainLimit > 0 ? Math.min(trainLimit, train.size()) : train.size());
        recipe.put("testImages", test.size());
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("toolkit", Version.get());
        env.put("djl", "0.36.0");
        env.put("pytorch", "2.7.1 (ai.djl.pytorch:pytorch-native-cpu)");
        env.put("java", System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("threads", cfg.threads());
        env.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        StringBuilder cmd = new StringBuilder("./mixquant train --arch " + a.cliName() + " --epochs " + cfg.epochs()
                + " --seed " + cfg.seed() + " --threads " + cfg.threads() + " --out " + out);
        if (trainLimit > 0) {
            cmd.append(" --train-limit ").append(trainLimit);
        }
        if (testLimit > 0) {
            cmd.append(" --test-limit ").append(testLimit);
        }
        ModelCard card = new ModelCard(a.modelName(), a.cliName(), "fashion-mnist (Debian dataset-fashion-mnist)",
                cfg.epochs(), cfg.seed(), recipe, r.weights().params(), acc.top1(), round(r.seconds()),
                r.epochSeconds().stream().map(TrainCommand::round).toList(), r.epochAccuracy(),
                weights.getFileName().toString(), sha, cmd.toString(), env);
        Path cardFile = out.resolve(a.modelName() + ".json");
        card.write(cardFile);
        info(f("FP32 test top-1 %.2f%% (BN folded); wrote %s, %s.sha256 and %s", acc.top1Percent(), weights,
                weights.getFileName(), cardFile));
        out().println(card.toJson());
        out().flush();
        return ExitCodes.OK;
    }

    private static double round(double s) {
        return Math.round(s * 10) / 10.0;
    }
}
