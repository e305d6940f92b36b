package org.mixquant.methods;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Models;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.model.cnn.ImageBatches;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.tensor.WeightTensor;

/**
 * Writes the inputs of the GPTQ oracle ({@code tools/gptq/gptq_oracle.py}): one MiniLM MatMul and one ResNet-20
 * convolution, each with its FP32 weight and captured FP32 inputs. Not a test; run it as {@code tools/gptq/README.md}
 * says. File format ({@code DataOutputStream}, big-endian, gzip with no timestamp):
 * <pre>
 *   "MQGPTQI1", u8 kind (0 = dense rows, 1 = convolution activations)
 *   dense: u32 out, u32 in, u32 rows, out·in f32 W_t [out, in], rows·in f32 X [rows, in]
 *   conv:  u32 out, u32 cin, u32 k, u32 stride, u32 padding, u32 n, u32 h, u32 w,
 *          out·cin·k·k f32 W [out, cin, k, k], n·cin·h·w f32 activations [n, cin, h, w]
 * </pre>
 */
public final class GptqGoldenInputs {
    /** Where the inputs and goldens live. */
    static final Path DIR = Path.of("src", "test", "resources", "golden", "gptq");
    /** The MiniLM layer. */
    static final String MINILM_LAYER = "/encoder/layer.0/attention/self/query/MatMul";
    /** Output channels of it kept (the first ones), to keep the file small. */
    static final int MINILM_OUT = 64;
    /** Token rows (more than the 384 input columns). */
    static final int MINILM_ROWS = 448;
    /** The ResNet-20 convolution: 16 → 16 channels, 3 × 3, in the first stage (144 input columns). */
    static final String CONV_LAYER = "stage1.block1.conv1";
    /** Calibration images for the convolution (4 × 28 × 28 = 3136 im2col rows). */
    static final int CONV_IMAGES = 4;

    private GptqGoldenInputs() {
    }

    public static void main(String[] args) throws Exception {
        Files.createDirectories(DIR);
        writeMiniLm(DIR.resolve("minilm-query-inputs.bin.gz"));
        writeConv(DIR.resolve("resnet20-conv-inputs.bin.gz"));
    }

    private static void writeMiniLm(Path file) throws Exception {
        OnnxModel m = Models.minilm();
        ReconstructionOptions o = ReconstructionOptions.builder().optCalibrationSamples(32)
                .optMaxRows(MINILM_ROWS).build();
        long[][] ids = TokenIds.minilm(OnnxTextCalibration.fortuneTexts(32), TextEmbedder.DEFAULT_MAX_TOKENS);
        OnnxTextCalibration cal = OnnxTextCalibration.create(m, ids, o);
        String input = cal.site(MINILM_LAYER).input();
        float[] x = cal.inputs(m, List.of(input)).get(input);
        WeightTensor w = m.layers().stream().filter(l -> l.name().equals(MINILM_LAYER)).findFirst().orElseThrow()
                .weight();
        int in = w.shape()[0];
        int out = w.shape()[1];
        float[] wt = Gptq.transpose(w.unsafeData(), in, out);
        try (DataOutputStream d = open(file)) {
            d.writeBytes("MQGPTQI1");
            d.writeByte(0);
            d.writeInt(MINILM_OUT);
            d.writeInt(in);
            d.writeInt(cal.rows());
            for (int i = 0; i < MINILM_OUT * in; i++) {
                d.writeFloat(wt[i]);
            }
            for (float v : x) {
                d.writeFloat(v);
            }
        }
    }

    private static void writeConv(Path file) throws Exception {
        CnnModel model = CnnModels.load("resnet20-fashion");
        CnnNetwork net = model.network();
        ConvSpec c = net.conv(CONV_LAYER);
        FashionMnist images = FashionMnist.calibration(CONV_IMAGES, 0);
        float[] act;
        long[] shape;
        try (CnnRunner r = model.open(); NDManager m = r.manager().newSubManager()) {
            NDArray[] captured = new NDArray[1];
            CnnOps rec = CnnOps.recording(r.ops(), Set.of(CONV_LAYER), (name, x) -> captured[0] = x);
            net.forward(rec, ImageBatches.images(images, m, 0, images.size()));
            act = captured[0].toFloatArray();
            shape = captured[0].getShape().getShape();
        }
        WeightTensor w = CnnReconstruction.weights(model).get(CONV_LAYER);
        try (DataOutputStream d = open(file)) {
            d.writeBytes("MQGPTQI1");
            d.writeByte(1);
            for (int v : new int[] {c.out(), c.in(), c.kernel(), c.stride(), c.padding(), (int) shape[0],
                    (int) shape[2], (int) shape[3]}) {
                d.writeInt(v);
            }
            for (float v : w.unsafeData()) {
                d.writeFloat(v);
            }
            for (float v : act) {
                d.writeFloat(v);
            }
        }
        if (shape[1] != c.in() || c.groups() != 1) {
            throw new IllegalStateException("unexpected input " + java.util.Arrays.toString(shape));
        }
    }

    private static DataOutputStream open(Path file) throws IOException {
        OutputStream os = Files.newOutputStream(file);
        // GZIPOutputStream writes mtime 0: the same inputs give the same bytes
        return new DataOutputStream(new java.io.BufferedOutputStream(new GZIPOutputStream(os)));
    }
}
