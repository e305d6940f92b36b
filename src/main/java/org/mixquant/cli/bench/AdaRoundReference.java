package org.mixquant.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mixquant.quant.QParams;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.LayerReconstruction;
import org.mixquant.methods.rounding.UnitReconstruction;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.AdaRound;

/**
 * Hands one layer's AdaRound problem to the PyTorch reference {@code tools/adaround/reference.py} and reads back its
 * loss trajectory: the correctness check and the speed benchmark both run the same objective, inputs, targets,
 * starting α and mini-batch sequence in Java and in PyTorch.
 *
 * <p>Problem file, little-endian: magic {@code MQAR}, int32 version 1; int32 rows, in, out, transposed (1 when the
 * weight is {@code [out, in]}), activation (0 identity, 1 GELU, 2 ReLU), hasBias, qmin, qmax, channels (1 =
 * per-tensor), iterations, batch; float64 λ, warm-up, β start, β end, learning rate; float32 inputs
 * {@code [rows, in]}, float32 targets {@code [rows, out]}, float32 weight (its own layout), float32 bias
 * {@code [out]} if present, float32 scales {@code [channels]}, int32 zero-points {@code [channels]}, float32 α₀
 * (weight layout), int32 batch indices {@code [iterations, batch]}.
 */
public final class AdaRoundReference {
    /** Format version written. */
    public static final int VERSION = 1;

    private AdaRoundReference() {
    }

    /**
     * Writes the problem file.
     *
     * @param batches the mini-batch indices of every step (e.g. {@link LearnedRounding#batches}); all the same length
     */
    public static void write(Path file, LayerReconstruction objective, WeightTensor weight, QParams q, float[] alpha0,
            int[][] batches, ReconstructionOptions options) throws IOException {
        int[] s = weight.shape();
        boolean transposed = weight.channelAxis() == 0;
        int in = transposed ? s[1] : s[0];
        int out = transposed ? s[0] : s[1];
        float[] x = objective.quantInputs();
        float[] t = objective.targets();
        float[] bias = objective.bias();
        int batch = batches.length == 0 ? 0 : batches[0].length;
        int rows = objective.samples();
        try (OutputStream raw = Files.newOutputStream(file); OutputStream o = new BufferedOutputStream(raw, 1 << 16)) {
            ByteBuffer head = ByteBuffer.allocate(4 + 4 * 12 + 8 * 5).order(ByteOrder.LITTLE_ENDIAN);
            head.put("MQAR".getBytes(StandardCharsets.US_ASCII)).putInt(VERSION);
            head.putInt(rows).putInt(in).putInt(out).putInt(transposed ? 1 : 0)
                    .putInt(objective.activation().ordinal()).putInt(bias == null ? 0 : 1)
                    .putInt(q.spec().qmin()).putInt(q.spec().qmax()).putInt(q.channels())
                    .putInt(batches.length).putInt(batch);
            head.putDouble(options.lambda()).putDouble(options.warmup()).putDouble(options.betaStart())
                    .putDouble(options.betaEnd()).putDouble(options.learningRate());
            o.write(head.array(), 0, head.position());
            writeFloats(o, x);
            writeFloats(o, t);
            writeFloats(o, weight.unsafeData());
            if (bias != null) {
                writeFloats(o, bias);
            }
            writeFloats(o, q.scales());
            writeInts(o, q.zeroPoints());
            writeFloats(o, alpha0);
            writeBatches(o, batches, batch);
        }
    }

    /**
     * Writes a convolution problem (magic {@code MQAC}, version 1; see {@code tools/adaround/reference.py}): int32 n,
     * c, h, w, out, kernel, stride, padding, groups, oh, ow, activation (0 identity, 2 ReLU, 3 ReLU6), hasBias (1),
     * qmin, qmax, channels, iterations, batch; float64 λ, warm-up, β start, β end, learning rate; float32 inputs
     * {@code [n, c, h, w]}, targets {@code [n, out, oh, ow]}, weight, bias, scales; int32 zero-points; float32 α₀;
     * int32 batch indices.
     *
     * @param objective a single-layer {@link UnitReconstruction} of convolution {@code conv}
     * @param act       the activation its forward applies after the convolution
     */
    public static void writeConv(Path file, UnitReconstruction objective, org.mixquant.model.cnn.ConvSpec conv,
            org.mixquant.model.cnn.CnnNetwork.Act act, WeightTensor weight, QParams q, float[] alpha0,
            int[][] batches, ReconstructionOptions options) throws IOException {
        long[] xs = objective.inputShape();
        long[] ts = objective.targetShape();
        if (xs.length != 4 || ts.length != 4) {
            throw new IllegalArgumentException("a convolution problem needs 4-D inputs and targets");
        }
        int actCode = switch (act) {
            case NONE -> 0;
            case RELU -> 2;
            case RELU6 -> 3;
        };
        int batch = batches.length == 0 ? 0 : batches[0].length;
        try (OutputStream raw = Files.newOutputStream(file); OutputStream o = new BufferedOutputStream(raw, 1 << 16)) {
            ByteBuffer head = ByteBuffer.allocate(4 + 4 * 19 + 8 * 5).order(ByteOrder.LITTLE_ENDIAN);
            head.put("MQAC".getBytes(StandardCharsets.US_ASCII)).putInt(1);
            head.putInt((int) xs[0]).putInt((int) xs[1]).putInt((int) xs[2]).putInt((int) xs[3]).putInt(conv.out())
                    .putInt(conv.kernel()).putInt(conv.stride()).putInt(conv.padding()).putInt(conv.groups())
                    .putInt((int) ts[2]).putInt((int) ts[3]).putInt(actCode).putInt(1)
                    .putInt(q.spec().qmin()).putInt(q.spec().qmax()).putInt(q.channels())
                    .putInt(batches.length).putInt(batch);
            head.putDouble(options.lambda()).putDouble(options.warmup()).putDouble(options.betaStart())
                    .putDouble(options.betaEnd()).putDouble(options.learningRate());
            o.write(head.array(), 0, head.position());
            writeFloats(o, objective.quantInputs());
            writeFloats(o, objective.targets());
            writeFloats(o, weight.unsafeData());
            writeFloats(o, objective.bias(conv.name()));
            writeFloats(o, q.scales());
            writeInts(o, q.zeroPoints());
            writeFloats(o, alpha0);
            writeBatches(o, batches, batch);
        }
    }

    private static void writeBatches(OutputStream o, int[][] batches, int batch) throws IOException {
        for (int[] b : batches) {
            if (b.length != batch) {
                throw new IllegalArgumentException("all mini-batches must have the same size");
            }
            writeInts(o, b);
        }
    }

    private static void writeFloats(OutputStream o, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        o.write(b.array());
    }

    private static void writeInts(OutputStream o, int[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        o.write(b.array());
    }

    /** {@code tools/adaround/reference.py} under the working directory (the repository root). */
    public static Path script() {
        Path p = Path.of("tools", "adaround", "reference.py").toAbsolutePath();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("PyTorch reference " + p + " not found (run from the repository root)");
        }
        return p;
    }

    /**
     * Runs the reference on a problem file and returns its JSON summary: {@code loss}, {@code rec}, {@code reg}
     * (per step), {@code seconds}, {@code iterations_per_second}, {@code torch}, {@code threads}.
     *
     * @param python   interpreter with PyTorch (Debian: {@code /usr/bin/python3} with {@code python3-torch})
     * @param threads  {@code torch.set_num_threads}
     * @param codesOut where the script writes the final hard codes (int32, weight layout), or {@code null}
     * @param warmupIterations untimed steps run first (then α and Adam restart), for the benchmark; 0 for none
     * @throws IOException if the script fails (the message holds its output) or times out
     */
    public static JsonNode run(String python, Path problem, int threads, Path codesOut, int warmupIterations,
            long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script().toString(), problem.toString(), "--threads",
                String.valueOf(threads), "--warmup-iterations", String.valueOf(warmupIterations)));
        if (codesOut != null) {
            cmd.add("--codes-out");
            cmd.add(codesOut.toString());
        }
        // Output goes to a file, not a pipe: reading a pipe to its end would block until the process exits, so the
        // timeout below could never fire.
        Path logFile = Files.createTempFile("adaround-reference", ".log");
        String text;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectErrorStream(true);
            pb.redirectOutput(logFile.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException("PyTorch reference timed out after " + timeoutSeconds + " s");
            }
            text = Files.readString(logFile, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("PyTorch reference failed (exit " + p.exitValue()
                        + "; needs Debian python3-torch): " + text);
            }
        } finally {
            Files.deleteIfExists(logFile);
        }
        String last = text.strip().lines().reduce((a, b) -> b).orElse("");
        return new ObjectMapper().readTree(last);
    }

    /** Reads int32 little-endian codes written by {@code --codes-out}. */
    public static int[] readCodes(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[b.remaining() / 4];
        b.asIntBuffer().get(v);
        return v;
    }
}
