package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.mixquant.progress.Progress;

/**
 * A synthetic transformer-shaped ONNX model with random weights, for timing the error sweep on models of any size
 * (up to billions of parameters) without downloading one.
 *
 * <p>Graph (opset 13): {@code ids} (INT64, [seq]) → {@code Gather} on the embedding ({@code vocab × d}) → {@code blocks}
 * blocks of four attention projections q, k, v, o ({@code d × d}) and two FFN matrices ({@code d × 4d},
 * {@code 4d × d}), each a {@code MatMul} whose B input is the FP32 weight, so every block has six quantizable
 * MatMul layers ({@code 12·d²} weights); the attention is reduced to sums and the FFN has a ReLU, which keeps the
 * graph valid without changing what the toolkit sees. The embedding is not quantizable (it feeds a Gather).
 *
 * <p>Weights: uniform in ±√(3 / fan-in) (unit output variance), one {@link SplittableRandom} stream per tensor split
 * in file order from {@code seed}, so the same parameters give the same values in both storage forms.
 *
 * @param d      model width (≥ 1)
 * @param blocks number of blocks (≥ 1)
 * @param vocab  embedding rows (≥ 1)
 * @param seed   random seed
 */
public record SyntheticTransformer(int d, int blocks, int vocab, long seed) {
    /** Embedding rows of {@link #forParams}: a typical tokenizer's vocabulary. */
    public static final int VOCAB = 8192;
    /** Blocks {@link #forParams} aims at; the width follows. */
    static final int TARGET_BLOCKS = 16;
    /** Width granularity of {@link #forParams}. */
    static final int WIDTH_STEP = 128;
    /** Bytes written at once. */
    private static final int CHUNK_BYTES = 1 << 22;

    /** Rejects non-positive sizes and models with a weight over {@link Integer#MAX_VALUE} values. */
    public SyntheticTransformer {
        if (d < 1 || blocks < 1 || vocab < 1) {
            throw new IllegalArgumentException("d, blocks and vocab must be ≥ 1, got " + d + ", " + blocks + ", "
                    + vocab);
        }
        if (4L * d * d > Integer.MAX_VALUE || (long) vocab * d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("d = " + d + " makes a weight of more than " + Integer.MAX_VALUE
                    + " values");
        }
    }

    /**
     * The model with about {@code quantizableParams} quantizable weights: width {@code d} = the multiple of
     * {@value #WIDTH_STEP} nearest to √(P / (12 · {@value #TARGET_BLOCKS})) (at least {@value #WIDTH_STEP}), then
     * the number of blocks that brings 12·d²·blocks nearest to P (at least 1); {@value #VOCAB} embedding rows.
     * For example 10⁷ → d 256, 13 blocks; 10⁸ → d 768, 14 blocks; 10⁹ → d 2304, 16 blocks.
     */
    public static SyntheticTransformer forParams(double quantizableParams, long seed) {
        if (!(quantizableParams >= 1) || quantizableParams > 1e13) {
            throw new IllegalArgumentException("parameter count must be in 1..1e13, got " + quantizableParams);
        }
        double width = Math.sqrt(quantizableParams / (12.0 * TARGET_BLOCKS));
        int d = (int) Math.max(WIDTH_STEP, Math.round(width / WIDTH_STEP) * WIDTH_STEP);
        int blocks = (int) Math.max(1, Math.round(quantizableParams / (12.0 * d * d)));
        return new SyntheticTransformer(d, blocks, VOCAB, seed);
    }

    /** Weights in the quantizable MatMul layers: 12·d²·blocks. */
    public long quantizableParams() {
        return 12L * d * d * blocks;
    }

    /** All parameters: the quantizable ones plus the embedding. */
    public long params() {
        return quantizableParams() + (long) vocab * d;
    }

    /** Bytes of FP32 weights (4 per parameter). */
    public long bytes() {
        return 4L * params();
    }

    /** File name of the model in the folder {@link #write} fills. */
    public static final String MODEL_FILE = "model.onnx";
    /** File name of the external data beside it. */
    public static final String DATA_FILE = "model.onnx.data";

    /** One weight: name, node that reads it, dims, fan-in. */
    private record Weight(String name, String node, int rows, int cols) {
    }

    private List<Weight> weights() {
        List<Weight> w = new ArrayList<>();
        w.add(new Weight("embed.weight", "/embed/Gather", vocab, d));
        for (int b = 0; b < blocks; b++) {
            String p = "/blocks." + b;
            for (String proj : List.of("q", "k", "v", "o")) {
                w.add(new Weight("blocks." + b + ".attn." + proj + ".weight", p + "/attn/" + proj + "/MatMul", d, d));
            }
            w.add(new Weight("blocks." + b + ".ffn.up.weight", p + "/ffn/up/MatMul", d, 4 * d));
            w.add(new Weight("blocks." + b + ".ffn.down.weight", p + "/ffn/down/MatMul", 4 * d, d));
        }
        return w;
    }

    /**
     * Writes {@value #MODEL_FILE} and, with {@code external}, {@value #DATA_FILE} into {@code folder} (created if
     * missing) and returns the model file. External data follows onnx's {@code save_as_external_data}: every weight
     * in one data file, back to back from offset 0, with {@code location}, {@code offset} and {@code length}; it is
     * written in chunks of {@value #CHUNK_BYTES} bytes, so the heap needs only that, whatever the model's size.
     * Embedded weights sit in {@code raw_data} (the whole model in memory; under 2 GB only).
     *
     * @param progress told after each weight, in bytes written
     * @throws FileAlreadyExistsException if either file exists (nothing is overwritten; on any failure the files this
     *                                    call created are removed)
     * @throws IllegalArgumentException   for embedded weights of 2 GB or more
     */
    public Path write(Path folder, boolean external, Progress progress) throws IOException {
        if (!external && bytes() >= OnnxModel.MAX_FILE_BYTES) {
            throw new IllegalArgumentException(bytes() + " bytes of weights do not fit in one ONNX file (2 GB);"
                    + " write them as external data");
        }
        Files.createDirectories(folder);
        Path model = folder.resolve(MODEL_FILE);
        Path data = folder.resolve(DATA_FILE);
        for (Path p : List.of(model, data)) {
            if (Files.exists(p)) {
                throw new FileAlreadyExistsException(p.toString(), null, "not overwriting it");
            }
        }
        try {
            writeFiles(model, data, external, progress);
        } catch (IOException | RuntimeException e) {
            // only the files this call created: it refused to start if either existed
            Files.deleteIfExists(model);
            Files.deleteIfExists(data);
            throw e;
        }
        return model;
    }

    private void writeFiles(Path model, Path data, boolean external, Progress progress) throws IOException {
        List<Weight> ws = weights();
        List<OnnxMl.TensorProto> inits = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(seed);
        long offset = 0;
        try (FileChannel ch = external ? FileChannel.open(data, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE) : null) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Weight w : ws) {
                SplittableRandom rng = root.split();
                float scale = (float) Math.sqrt(3.0 / w.rows());
                long n = (long) w.rows() * w.cols();
                OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(w.name())
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addDims(w.rows()).addDims(w.cols());
                if (external) {
                    for (long done = 0; done < n; ) {
                        buf.clear();
                        int m = (int) Math.min(n - done, CHUNK_BYTES / Float.BYTES);
                        fill(rng, scale, buf, m);
                        buf.flip();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        done += m;
                    }
                    t.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", DATA_FILE))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Long.toString(4 * n)));
                } else {
                    ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(4 * n)).order(ByteOrder.LITTLE_ENDIAN);
                    fill(rng, scale, raw, (int) n);
                    t.setRawData(ByteString.copyFrom(raw.array()));
                }
                offset += 4 * n;
                inits.add(t.build());
                progress.update("writing synthetic model", offset, bytes());
            }
        }
        try (OutputStream out = Files.newOutputStream(model, StandardOpenOption.CREATE_NEW)) {
            graph(ws, inits).writeTo(out);
        }
    }

    /** Puts {@code n} values uniform in [−scale, scale) into {@code buf} at its position. */
    private static void fill(SplittableRandom rng, float scale, ByteBuffer buf, int n) {
        float unit = scale * 0x1p-31f;
        for (int i = 0; i < n; i++) {
            buf.putFloat(rng.nextInt() * unit);
        }
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private OnnxMl.ModelProto graph(List<Weight> ws, List<OnnxMl.TensorProto> inits) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("synthetic-transformer")
                .addAllInitializer(inits)
                .addInput(valueInfo("ids", OnnxMl.TensorProto.DataType.INT64, 0))
                .addOutput(valueInfo("hidden", OnnxMl.TensorProto.DataType.FLOAT, d));
        g.addNode(node("Gather", ws.get(0).node(), List.of(ws.get(0).name(), "ids"), "h0"));
        String h = "h0";
        for (int b = 0; b < blocks; b++) {
            String p = "/blocks." + b;
            Weight[] bw = ws.subList(1 + 6 * b, 7 + 6 * b).toArray(new Weight[0]);
            for (int k = 0; k < 3; k++) {
                g.addNode(node("MatMul", bw[k].node(), List.of(h, bw[k].name()), bw[k].node() + ":0"));
            }
            g.addNode(node("Add", p + "/attn/Add", List.of(bw[0].node() + ":0", bw[1].node() + ":0"), p + "/qk"));
            g.addNode(node("Add", p + "/attn/Add_1", List.of(p + "/qk", bw[2].node() + ":0"), p + "/qkv"));
            g.addNode(node("MatMul", bw[3].node(), List.of(p + "/qkv", bw[3].name()), bw[3].node() + ":0"));
            g.addNode(node("Add", p + "/attn/residual", List.of(h, bw[3].node() + ":0"), p + "/h1"));
            g.addNode(node("MatMul", bw[4].node(), List.of(p + "/h1", bw[4].name()), bw[4].node() + ":0"));
            g.addNode(node("Relu", p + "/ffn/Relu", List.of(bw[4].node() + ":0"), p + "/act"));
            g.addNode(node("MatMul", bw[5].node(), List.of(p + "/act", bw[5].name()), bw[5].node() + ":0"));
            String next = b == blocks - 1 ? "hidden" : p + "/out";
            g.addNode(node("Add", p + "/ffn/residual", List.of(p + "/h1", bw[5].node() + ":0"), next));
            h = next;
        }
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("mixquant-synthetic")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g)
                .build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    /** A tensor value of one dynamic dimension {@code seq} and, if {@code width > 0}, a second of that width. */
    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, int width) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("seq"));
        if (width > 0) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s)))
                .build();
    }
}
