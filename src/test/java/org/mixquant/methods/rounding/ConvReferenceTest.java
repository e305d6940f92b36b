package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.model.Djl;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.progress.Progress;
import org.mixquant.methods.AdaRound;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.cli.bench.AdaRoundReference;
import org.mixquant.model.cnn.ImageBatches;

/**
 * Learned rounding of a real convolution layer of the trained CNNs (the path AdaRound and BRECQ take on them) against
 * the PyTorch reference {@code tools/adaround/reference.py} ({@code MQAC} problems): same inputs (captured from the
 * model with a quantized stem), targets (FP32 layer on FP32 inputs, activation included), starting α, mini-batches and
 * hyper-parameters; the loss trajectories and hard codes must agree. Tolerances as in {@link AdaRoundReferenceTest}
 * (two libtorch builds may round the last bit differently); measured values are printed.
 */
class ConvReferenceTest {
    static final int IMAGES = 48;
    static final int STEPS = 150;

    @TempDir
    Path tmp;

    @Test
    void denseConvWithReluMatchesPyTorch() throws Exception {
        compare("resnet20-fashion", "stage1.block0.conv1", CnnNetwork.Act.RELU);
    }

    @Test
    void depthwiseStridedConvWithRelu6MatchesPyTorch() throws Exception {
        compare("mobilenetv2-fashion", "block3.dw", CnnNetwork.Act.RELU6);
    }

    void compare(String modelName, String layerName, CnnNetwork.Act expectedAct) throws Exception {
        CnnModel fp32 = CnnModels.load(modelName);
        CnnNetwork net = fp32.network();
        assertEquals(expectedAct, net.activationAfter(layerName));
        ConvSpec conv = net.conv(layerName);
        Layer stem = fp32.layers().get(0);
        CnnModel stemQuantized = fp32.withWeights(Map.of(stem.name(),
                FakeQuant.apply(stem.weight(), QuantSpec.asymmetric(3))));
        FashionMnist images = FashionMnist.calibration(IMAGES, 5);
        WeightTensor w = fp32.layers().get(fp32.layerNames().indexOf(layerName)).weight();
        QParams q = LpScaleSearch.choose(w, QuantSpec.asymmetric(3));
        ReconstructionOptions opts = ReconstructionOptions.builder().optIterations(STEPS).optBatchSize(16)
                .optSeed(3).optThreads(1).optLearningRate(1e-2).build();
        CnnNetwork.UnitForward forward = AdaRound.layerForward(net, layerName);
        try (CnnRunner fp = fp32.open(); CnnRunner sq = stemQuantized.open();
                NDManager m = fp.manager().newSubManager()) {
            NDArray x = ImageBatches.images(images, m, 0, IMAGES);
            NDArray xf = capture(fp, layerName, x, m);
            NDArray xq = capture(sq, layerName, x, m);
            NDArray target = forward.apply(fp.ops(), xf);
            UnitReconstruction rec = UnitReconstruction.create(m, List.of(layerName), forward,
                    Map.of(layerName, fp32.folded().get(layerName + ".bias")), xq, target, null);
            LearnedRounding.Result java = LearnedRounding.run(m, List.of(w), List.of(q), null, rec, opts,
                    Progress.NONE, layerName);
            float[] alpha0;
            try (NDManager a = Djl.engine().newBaseManager()) {
                alpha0 = SoftRounding.create(a, w, q).initialAlpha();
            }
            Path file = tmp.resolve("conv.bin");
            Path codesFile = tmp.resolve("codes.i32");
            AdaRoundReference.writeConv(file, rec, conv, expectedAct, w, q, alpha0,
                    LearnedRounding.batches(rec.samples(), opts.batchSize(), STEPS, opts.seed()), opts);
            JsonNode py = AdaRoundReference.run("/usr/bin/python3", file, 1, codesFile, 0, 300);
            assertTrue(py.get("alpha0_max_abs_diff").asDouble() < 1e-5, py.get("alpha0_max_abs_diff").toString());
            double worst = 0;
            for (int t = 0; t < STEPS; t++) {
                double ref = py.get("loss").get(t).asDouble();
                double refRec = py.get("rec").get(t).asDouble();
                double rel = Math.abs(java.loss()[t] - ref) / Math.abs(ref);
                double relRec = Math.abs(java.reconstruction()[t] - refRec) / Math.abs(refRec);
                worst = Math.max(worst, Math.max(rel, relRec));
                double tol = t == 0 ? AdaRoundReferenceTest.FIRST_STEP_REL_TOL
                        : AdaRoundReferenceTest.TRAJECTORY_REL_TOL;
                assertTrue(rel <= tol && relRec <= tol, String.format(Locale.ROOT, "%s step %d: Java loss %.7g"
                        + " (rec %.7g) vs PyTorch %.7g (rec %.7g)", layerName, t + 1, java.loss()[t],
                        java.reconstruction()[t], ref, refRec));
            }
            int[] pyCodes = AdaRoundReference.readCodes(codesFile);
            int[] jCodes = java.codes().get(0);
            int same = AdaRoundReferenceTest.sameCodes(jCodes, pyCodes);
            double agree = same / (double) jCodes.length;
            System.out.printf(Locale.ROOT, "[%s %s] worst rel diff %.2e over %d steps; loss %.6g → %.6g; codes agree"
                    + " %.2f%% (%d/%d); flipped vs nearest %.1f%%%n", modelName, layerName, worst, STEPS,
                    java.loss()[0], java.loss()[STEPS - 1], 100 * agree, same, jCodes.length,
                    100 * java.flippedFraction());
            assertTrue(agree >= AdaRoundReferenceTest.CODE_AGREEMENT, "hard codes agree on " + agree);
            assertTrue(java.flippedFraction() > 0, "the optimisation changed some rounding decisions");
        }
    }

    /** The input of {@code layer} when {@code runner}'s network runs on {@code x} (copied into {@code m}). */
    static NDArray capture(CnnRunner runner, String layer, NDArray x, NDManager m) {
        NDArray[] seen = new NDArray[1];
        runner.network().forward(CnnOps.recording(runner.ops(), Set.of(layer), (n, in) -> seen[0] = in), x);
        return UnitReconstruction.copyTo(seen[0], m);
    }
}
