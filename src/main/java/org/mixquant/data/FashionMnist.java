package org.mixquant.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The Fashion-MNIST data set (Xiao, Rasul &amp; Vollgraf, 2017): 28×28 grayscale images of 10 clothing classes, 60,000
 * for training and 10,000 for testing, read from the gzip IDX files that the Debian package
 * {@code dataset-fashion-mnist} installs under {@link #DEFAULT_DIR}.
 *
 * <p>An instance is one split (or a subset of one) held in memory as raw bytes: pixels {@code 0..255} in row-major
 * order, {@code 784} per image, and labels {@code 0..9}. Images handed to networks are normalized to
 * {@code (pixel / 255 − MEAN) / STD} with the training set's {@link #MEAN} and {@link #STD}, in NCHW layout
 * {@code [n, 1, 28, 28]}. Instances are immutable.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Image height and width in pixels. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Mean of the training pixels scaled to [0, 1] (used for normalization). */
    public static final float MEAN = 0.2860f;
    /** Standard deviation of the training pixels scaled to [0, 1]. */
    public static final float STD = 0.3530f;
    /** Default size of the calibration subset. */
    public static final int DEFAULT_CALIBRATION = 1024;
    /** The class names, in label order. */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    static final int IMAGE_MAGIC = 0x00000803;
    static final int LABEL_MAGIC = 0x00000801;

    /** Which half of the data set. */
    public enum Split {
        /** 60,000 training images ({@code train-*-ubyte.gz}). */
        TRAIN("train"),
        /** 10,000 test images ({@code t10k-*-ubyte.gz}). */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** File name of the images, e.g. {@code train-images-idx3-ubyte.gz}. */
        public String imagesFile() {
            return prefix + "-images-idx3-ubyte.gz";
        }

        /** File name of the labels, e.g. {@code train-labels-idx1-ubyte.gz}. */
        public String labelsFile() {
            return prefix + "-labels-idx1-ubyte.gz";
        }
    }

    private final String name;
    private final byte[] pixels;
    private final byte[] labels;

    private FashionMnist(String name, byte[] pixels, byte[] labels) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** A split from {@link #DEFAULT_DIR}. */
    public static FashionMnist load(Split split) throws IOException {
        return load(DEFAULT_DIR, split);
    }

    /**
     * A split from {@code dir}.
     *
     * @throws IOException if a file is missing (the message says how to install it) or not a valid IDX file
     */
    public static FashionMnist load(Path dir, Split split) throws IOException {
        Objects.requireNonNull(split, "split");
        Path img = dir.resolve(split.imagesFile());
        Path lab = dir.resolve(split.labelsFile());
        for (Path p : new Path[] {img, lab}) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("Fashion-MNIST file " + p + " not found: install the Debian package"
                        + " dataset-fashion-mnist (apt-get install dataset-fashion-mnist, or run"
                        + " environment/install.sh)");
            }
        }
        byte[] pixels = readImages(img);
        byte[] labels = readLabels(lab);
        if (pixels.length != labels.length * PIXELS) {
            throw new IOException("Fashion-MNIST " + split + ": " + img.getFileName() + " holds "
                    + pixels.length / PIXELS + " images but " + lab.getFileName() + " " + labels.length + " labels");
        }
        return new FashionMnist(split.name().toLowerCase(java.util.Locale.ROOT), pixels, labels);
    }

    /**
     * Most bytes one byte of deflate data can expand to (the format's limit is about 1032:1); a header that declares
     * more data than its gzip file could hold is rejected before anything is allocated.
     */
    static final long DEFLATE_MAX_RATIO = 1032;
    /** Largest payload read into one Java array. */
    static final long MAX_PAYLOAD = Integer.MAX_VALUE - 8;

    /**
     * Reads a gzip IDX3 image file of 28×28 unsigned bytes: big-endian magic {@code 0x00000803}, count, rows, cols,
     * then the pixels. The gzip stream is read to its end, so its CRC32 and length are checked, and nothing may
     * follow the pixels.
     *
     * @return the pixels, {@code count * 784} bytes in row-major order
     * @throws IOException naming the file if it is empty, not gzip, corrupt (CRC or length check fails), truncated,
     *                     longer than its header says, or its header is not that of 28×28 ubyte images or declares
     *                     more data than the file can hold
     */
    public static byte[] readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGE_MAGIC) {
                throw new IOException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows != SIDE || cols != SIDE) {
                throw new IOException(file + ": expected 28x28 images, header says " + n + " images of " + rows
                        + "x" + cols);
            }
            return readPayload(in, file, (long) n * PIXELS, n + " images");
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: it ends inside the IDX header", e);
        } catch (java.util.zip.ZipException e) {
            throw corrupt(file, e);
        }
    }

    /**
     * Reads a gzip IDX1 label file: big-endian magic {@code 0x00000801}, count, then one byte per label. The gzip
     * stream is read to its end (CRC32 and length checked), and nothing may follow the labels.
     *
     * @throws IOException naming the file if it is empty, not gzip, corrupt, truncated, longer than its header says,
     *                     its header is wrong, or a label is outside 0..9
     */
    public static byte[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABEL_MAGIC) {
                throw new IOException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(file + ": negative label count " + n);
            }
            byte[] data = readPayload(in, file, n, n + " labels");
            for (int i = 0; i < n; i++) {
                if (data[i] < 0 || data[i] >= CLASSES) {
                    throw new IOException(file + ": label " + (data[i] & 0xFF) + " at index " + i + " is outside"
                            + " 0..9");
                }
            }
            return data;
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: it ends inside the IDX header", e);
        } catch (java.util.zip.ZipException e) {
            throw corrupt(file, e);
        }
    }

    private static IOException corrupt(Path file, java.util.zip.ZipException e) {
        return new IOException(file + " is corrupt: its gzip data fails to decompress or its CRC/length check ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
    }

    private static DataInputStream open(Path file) throws IOException {
        if (Files.size(file) == 0) {
            throw new IOException(file + " is empty (expected a gzip IDX file)");
        }
        InputStream raw = Files.newInputStream(file);
        try {
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (IOException e) {
            raw.close();
            String why = e instanceof EOFException ? "it ends inside the gzip header"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException(file + " is not a gzip file (" + why + ")", e);
        }
    }

    /**
     * Reads the {@code declared} payload bytes, then reads on to the end of the gzip stream: that is when
     * {@link GZIPInputStream} checks the CRC32 and length, and any byte left over is an error.
     */
    private static byte[] readPayload(DataInputStream in, Path file, long declared, String what) throws IOException {
        long fileSize = Files.size(file);
        long canHold = Math.min(MAX_PAYLOAD, DEFLATE_MAX_RATIO * fileSize);
        if (declared > canHold) {
            throw new IOException(file + ": the IDX header declares " + what + " (" + declared + " bytes), more than"
                    + (declared > MAX_PAYLOAD ? " one array can hold (" + MAX_PAYLOAD + " bytes)"
                            : " a " + fileSize + "-byte gzip file can hold (corrupt header)"));
        }
        byte[] data = new byte[(int) declared];
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: expected " + data.length + " data bytes", e);
        }
        if (in.read() != -1) {
            // read to the end first: a damaged stream then fails its CRC check (reported as corrupt by the caller)
            // instead of being blamed on its length
            long extra = 1 + in.transferTo(OutputStream.nullOutputStream());
            throw new IOException(file + " has " + extra + " bytes after the " + what + " its IDX header declares"
                    + " (not a single IDX file)");
        }
        return data;
    }

    /** A data set made from raw arrays (copied), for tests and synthetic data. */
    public static FashionMnist of(String name, byte[] pixels, byte[] labels) {
        if (pixels.length != labels.length * PIXELS) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not make " + labels.length
                    + " images of 784 pixels");
        }
        return new FashionMnist(name, pixels.clone(), labels.clone());
    }

    /** {@code train}, {@code test}, or a description of the subset. */
    public String name() {
        return name;
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Label {@code 0..9} of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** Pixel {@code p} (0..783, row-major) of image {@code i}, 0..255. */
    public int pixel(int i, int p) {
        return pixels[i * PIXELS + p] & 0xff;
    }

    /** A copy of all labels. */
    public byte[] labels() {
        return labels.clone();
    }

    /** The first {@code n} images (all if {@code n ≥ size()}). */
    public FashionMnist head(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("subset size must be ≥ 1, got " + n);
        }
        if (n >= size()) {
            return this;
        }
        return new FashionMnist(name + "[0:" + n + "]", java.util.Arrays.copyOf(pixels, n * PIXELS),
                java.util.Arrays.copyOf(labels, n));
    }

    /**
     * A seeded random subset of {@code n} distinct images (a partial Fisher–Yates shuffle with
     * {@code java.util.Random(seed)}), e.g. the calibration set drawn from the training split. The same seed always
     * gives the same images in the same order.
     */
    public FashionMnist sample(int n, long seed) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException("sample size must be in 1.." + size() + ", got " + n);
        }
        int[] idx = permutation(size(), seed);
        byte[] px = new byte[n * PIXELS];
        byte[] lb = new byte[n];
        for (int k = 0; k < n; k++) {
            System.arraycopy(pixels, idx[k] * PIXELS, px, k * PIXELS, PIXELS);
            lb[k] = labels[idx[k]];
        }
        return new FashionMnist(name + " sample n=" + n + " seed=" + seed, px, lb);
    }

    /** The seeded calibration subset: {@code n} images drawn from the training split in {@link #DEFAULT_DIR}. */
    public static FashionMnist calibration(int n, long seed) throws IOException {
        return load(Split.TRAIN).sample(n, seed);
    }

    /** A random permutation of {@code 0..n-1} (Fisher–Yates with {@code java.util.Random(seed)}). */
    public static int[] permutation(int n, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /**
     * Writes the normalized images {@code from..to-1} into {@code out} (modified) from {@code offset}, 784 floats
     * each, as {@code (pixel / 255 − MEAN) / STD}.
     */
    public void normalizedInto(int from, int to, float[] out, int offset) {
        checkRange(from, to);
        int o = offset;
        for (int i = from * PIXELS; i < to * PIXELS; i++) {
            out[o++] = normalize(pixels[i] & 0xff);
        }
    }

    /** {@code (pixel / 255 − MEAN) / STD} in float32, the same formula the PyTorch oracle uses. */
    public static float normalize(int pixel) {
        return (pixel / 255f - MEAN) / STD;
    }

    /** Throws unless {@code 0 <= from < to <= size()}. */
    public void checkRange(int from, int to) {
        if (from < 0 || to > size() || from >= to) {
            throw new IllegalArgumentException("image range " + from + ".." + to + " is outside 0.." + size());
        }
    }

    @Override
    public String toString() {
        return "FashionMnist[" + name + ", " + size() + " images]";
    }
}
