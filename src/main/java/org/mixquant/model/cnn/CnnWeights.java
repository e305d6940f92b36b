package org.mixquant.model.cnn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mixquant.io.OutputFiles;
import org.mixquant.tensor.WeightTensor;

/**
 * Named float32 tensors in a fixed order (PyTorch {@code state_dict} names), immutable, with a small binary file
 * format that Python reads with {@code struct} and {@code numpy.frombuffer}.
 *
 * <p>File format ({@code .mqw}, all integers int32 little-endian, floats float32 little-endian): the 4 ASCII bytes
 * {@code MQW1}, the tensor count, then per tensor: name length in bytes, the UTF-8 name, rank, each dimension, and the
 * values in row-major order. Next to a file {@code X} the SHA-256 of its bytes is kept in {@code X.sha256}
 * ({@code sha256sum} format) and checked by {@link #readVerified}.
 */
public final class CnnWeights {
    static final byte[] MAGIC = {'M', 'Q', 'W', '1'};
    private final Map<String, WeightTensor> tensors;

    private CnnWeights(Map<String, WeightTensor> tensors) {
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Weights from a map (its iteration order is kept; the tensors are immutable and shared). */
    public static CnnWeights of(Map<String, WeightTensor> tensors) {
        return new CnnWeights(new LinkedHashMap<>(tensors));
    }

    /** Name → tensor, in file order (unmodifiable). */
    public Map<String, WeightTensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}. */
    public WeightTensor get(String name) {
        WeightTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "'");
        }
        return t;
    }

    /** Total number of values. */
    public long params() {
        long n = 0;
        for (WeightTensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    /**
     * Checks that exactly the tensors of {@code net} (BatchNorm form) are here with the right shapes and finite
     * values.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing, extra, misshapen or non-finite
     */
    public CnnWeights validateFor(CnnNetwork net, String source) {
        List<CnnNetwork.TensorShape> expected = net.tensorShapes();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (CnnNetwork.TensorShape e : expected) {
            names.add(e.name());
            WeightTensor t = tensors.get(e.name());
            if (t == null) {
                throw new IllegalArgumentException("'" + source + "' lacks tensor '" + e.name() + "'");
            }
            if (!java.util.Arrays.equals(t.shape(), e.shape())) {
                throw new IllegalArgumentException("'" + source + "': tensor '" + e.name() + "' has shape "
                        + t.shapeString() + ", expected " + java.util.Arrays.toString(e.shape()));
            }
            int bad = t.firstNonFinite();
            if (bad >= 0) {
                throw new IllegalArgumentException("'" + source + "': tensor '" + e.name() + "' has a non-finite"
                        + " value " + t.get(bad) + " at flat index " + bad);
            }
        }
        for (String n : tensors.keySet()) {
            if (!names.contains(n)) {
                throw new IllegalArgumentException("'" + source + "' has an unexpected tensor '" + n + "'");
            }
        }
        return this;
    }

    /**
     * Fresh weights for training: convolutions Kaiming-normal with fan-out and ReLU gain ({@code std =
     * sqrt(2 / (out·k·k / groups))}), as torchvision initialises ResNet and MobileNetV2; BatchNorm γ = 1, β = 0,
     * running mean 0 and variance 1; the classifier uniform in ±1/√in (weight and bias, PyTorch's default for
     * Linear). Random numbers come from {@code java.util.Random(seed)} only.
     */
    public static CnnWeights init(CnnNetwork net, long seed) {
        Random r = new Random(seed);
        Map<String, WeightTensor> m = new LinkedHashMap<>();
        for (ConvSpec c : net.convs()) {
            int[] shape = c.weightShape();
            float[] w = new float[shape[0] * shape[1] * shape[2] * shape[3]];
            double std = Math.sqrt(2.0 / ((double) c.out() * c.kernel() * c.kernel() / c.groups()));
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() * std);
            }
            m.put(c.weightName(), WeightTensor.wrap(w, shape, 0));
            m.put(c.bn() + ".weight", filled(c.out(), 1f));
            m.put(c.bn() + ".bias", filled(c.out(), 0f));
            m.put(c.bn() + ".running_mean", filled(c.out(), 0f));
            m.put(c.bn() + ".running_var", filled(c.out(), 1f));
        }
        double bound = 1.0 / Math.sqrt(net.fcIn());
        float[] fw = new float[CnnNetwork.CLASSES * net.fcIn()];
        for (int i = 0; i < fw.length; i++) {
            fw[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        float[] fb = new float[CnnNetwork.CLASSES];
        for (int i = 0; i < fb.length; i++) {
            fb[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        m.put(CnnNetwork.FC + ".weight", WeightTensor.wrap(fw, new int[] {CnnNetwork.CLASSES, net.fcIn()}, 0));
        m.put(CnnNetwork.FC + ".bias", WeightTensor.wrap(fb, new int[] {CnnNetwork.CLASSES}, 0));
        return new CnnWeights(m);
    }

    private static WeightTensor filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return WeightTensor.wrap(a, new int[] {n}, 0);
    }

    /** The file's bytes in the {@code MQW1} format. */
    public byte[] toBytes() {
        long size = 8;
        for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
            size += 8 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4L * e.getValue().shape().length
                    + 4L * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        b.putInt(tensors.size());
        for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putInt(name.length);
            b.put(name);
            int[] shape = e.getValue().shape();
            b.putInt(shape.length);
            for (int d : shape) {
                b.putInt(d);
            }
            b.asFloatBuffer().put(e.getValue().unsafeData());
            b.position(b.position() + 4 * e.getValue().size());
        }
        return b.array();
    }

    /** Parses the {@code MQW1} format. */
    public static CnnWeights fromBytes(byte[] bytes, String source) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[4];
            b.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException(source + " is not a MixQuant weight file (no MQW1 header)");
            }
            int n = b.getInt();
            if (n < 0 || n > 1_000_000) {
                throw new IOException(source + ": bad tensor count " + n);
            }
            Map<String, WeightTensor> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                int len = b.getInt();
                if (len < 1 || len > 4096) {
                    throw new IOException(source + ": bad name length " + len + " of tensor " + i);
                }
                byte[] name = new byte[len];
                b.get(name);
                int rank = b.getInt();
                if (rank < 1 || rank > 8) {
                    throw new IOException(source + ": bad rank " + rank + " of tensor " + i);
                }
                int[] shape = new int[rank];
                long count = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = b.getInt();
                    if (shape[d] < 1) {
                        throw new IOException(source + ": bad dimension " + shape[d] + " of tensor " + i);
                    }
                    count *= shape[d];
                }
                if (count * 4 > b.remaining()) {
                    throw new IOException(source + " is truncated in tensor " + new String(name,
                            StandardCharsets.UTF_8));
                }
                float[] data = new float[(int) count];
                b.asFloatBuffer().get(data);
                b.position(b.position() + 4 * data.length);
                m.put(new String(name, StandardCharsets.UTF_8), WeightTensor.wrap(data, shape, 0));
            }
            if (b.hasRemaining()) {
                throw new IOException(source + " has " + b.remaining() + " trailing bytes");
            }
            return new CnnWeights(m);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(source + " is truncated", e);
        }
    }

    /** Reads a file without checking its checksum. */
    public static CnnWeights read(Path file) throws IOException {
        try {
            return fromBytes(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
    }

    /**
     * Reads a file and checks its SHA-256 against {@code file.sha256}.
     *
     * @throws IOException if either file is missing or the checksum differs (the message names both files)
     */
    public static CnnWeights readVerified(Path file) throws IOException {
        Path sumFile = checksumFile(file);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "weight file not found");
        }
        if (!Files.isRegularFile(sumFile)) {
            throw new IOException("checksum file " + sumFile + " not found next to " + file);
        }
        byte[] bytes = Files.readAllBytes(file);
        String expected = Files.readString(sumFile, StandardCharsets.US_ASCII).strip().split("\\s+")[0];
        String actual = sha256(bytes);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new IOException("checksum mismatch for " + file + ": SHA-256 is " + actual + " but " + sumFile
                    + " says " + expected + " (corrupt or replaced weights)");
        }
        return fromBytes(bytes, file.toString());
    }

    /**
     * Writes the file atomically, and its checksum file {@code file.sha256}.
     *
     * @return the SHA-256 of the file, in hex
     */
    public String write(Path file) throws IOException {
        byte[] bytes = toBytes();
        OutputFiles.writeBytes(file, bytes);
        String sum = sha256(bytes);
        OutputFiles.writeString(checksumFile(file), sum + "  " + file.getFileName() + "\n");
        return sum;
    }

    /** {@code file.sha256}. */
    public static Path checksumFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    /** SHA-256 in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
