package org.mixquant.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Labelled images for scoring a classifier: {@code n} images of one size, kept as bytes after resizing, cropping and
 * colour conversion (CHW, {@code channels × height × width}), their class indices and the class names; batches are
 * normalised on the way out ({@link #normalizedInto}) with the {@link ImagePreprocessing} they were read with.
 * Sources: an image folder ({@link #fromFolder}: one sub-folder per class, PNG/JPEG/GIF/BMP read by
 * {@code javax.imageio}) or Fashion-MNIST's IDX files ({@link #fromFashionMnist}). Immutable.
 */
public final class LabelledImages {
    /** File name endings read from an image folder (lower case). */
    public static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

    private final String name;
    private final ImagePreprocessing preprocessing;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classes;

    private LabelledImages(String name, ImagePreprocessing preprocessing, int height, int width, byte[] pixels,
            int[] labels, List<String> classes) {
        this.name = name;
        this.preprocessing = preprocessing;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.classes = List.copyOf(classes);
    }

    /**
     * Fashion-MNIST images (28×28 grayscale, labels 0..9, {@link FashionMnist#CLASS_NAMES}) under {@code p}: with
     * {@link ImagePreprocessing#FASHION_MNIST} each input value equals {@link FashionMnist#normalize} of its pixel,
     * the DJL CNNs' input, bit for bit.
     */
    public static LabelledImages fromFashionMnist(FashionMnist data, ImagePreprocessing p) {
        int n = data.size();
        int side = FashionMnist.SIDE;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = data.label(i);
        }
        if (!p.resamples()) {
            byte[] px = new byte[n * p.channels() * FashionMnist.PIXELS];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < p.channels(); c++) {
                    int o = (i * p.channels() + c) * FashionMnist.PIXELS;
                    for (int k = 0; k < FashionMnist.PIXELS; k++) {
                        px[o + k] = (byte) data.pixel(i, k);
                    }
                }
            }
            return new LabelledImages("fashion-mnist " + data.name(), p, side, side, px, labels,
                    FashionMnist.CLASS_NAMES);
        }
        List<ImagePreprocessing.Prepared> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BufferedImage im = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
            for (int k = 0; k < FashionMnist.PIXELS; k++) {
                im.getRaster().setSample(k % side, k / side, 0, data.pixel(i, k));
            }
            out.add(p.toBytes(im));
        }
        return of("fashion-mnist " + data.name(), p, out, labels, FashionMnist.CLASS_NAMES, null);
    }

    /**
     * The images of {@code dir}: each sub-folder is a class, and its image files (by {@link #IMAGE_SUFFIXES}, in
     * name order) are its images. Class index = position of the sub-folder's name in {@code classNames} when given
     * (e.g. the model's own label order; a sub-folder not listed is an error), else in the sorted sub-folder names.
     *
     * @param classNames the class names in label order, or null for the sorted sub-folder names
     * @throws IOException              if an image cannot be read or decoded (the message names the file)
     * @throws IllegalArgumentException naming the problem if {@code dir} is not a folder, has no class sub-folders or
     *                                  no images, a sub-folder is not among {@code classNames}, or the images do not
     *                                  all have one size after preprocessing (then give a resize and crop)
     */
    public static LabelledImages fromFolder(Path dir, ImagePreprocessing p, List<String> classNames)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("image folder " + dir + " does not exist or is not a folder");
        }
        List<Path> subs;
        try (Stream<Path> s = Files.list(dir)) {
            subs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (subs.isEmpty()) {
            throw new IllegalArgumentException("image folder " + dir + " has no class sub-folders (expected one"
                    + " sub-folder of images per class)");
        }
        List<String> classes = classNames != null ? List.copyOf(classNames)
                : subs.stream().map(x -> x.getFileName().toString()).toList();
        List<ImagePreprocessing.Prepared> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path sub : subs) {
            String cls = sub.getFileName().toString();
            int label = classes.indexOf(cls);
            if (label < 0) {
                throw new IllegalArgumentException("sub-folder '" + cls + "' of " + dir + " is not one of the "
                        + classes.size() + " class names of the labels file");
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(sub)) {
                files = s.filter(f -> Files.isRegularFile(f) && isImage(f)).sorted().toList();
            }
            for (Path f : files) {
                BufferedImage im;
                try {
                    im = ImageIO.read(f.toFile());
                } catch (IOException | RuntimeException e) {
                    throw new IOException("image " + f + " cannot be decoded: " + e.getMessage(), e);
                }
                if (im == null) {
                    throw new IOException("image " + f + " cannot be decoded (not a PNG/JPEG/GIF/BMP image)");
                }
                try {
                    images.add(p.toBytes(im));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("image " + f + ": " + e.getMessage(), e);
                }
                labels.add(label);
            }
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("image folder " + dir + " holds no images (" + String.join(", ",
                    IMAGE_SUFFIXES) + ") in its " + subs.size() + " class sub-folder(s)");
        }
        return of(dir.toString(), p, images, labels.stream().mapToInt(Integer::intValue).toArray(), classes, dir);
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_SUFFIXES.stream().anyMatch(n::endsWith);
    }

    private static LabelledImages of(String name, ImagePreprocessing p, List<ImagePreprocessing.Prepared> images,
            int[] labels, List<String> classes, Path dir) {
        ImagePreprocessing.Prepared first = images.get(0);
        int per = first.pixels().length;
        byte[] px = new byte[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            ImagePreprocessing.Prepared im = images.get(i);
            if (im.height() != first.height() || im.width() != first.width()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "images differ in size (%dx%d and"
                        + " %dx%d%s); give --resize and --crop so they all become one size", first.width(),
                        first.height(), im.width(), im.height(), dir == null ? "" : " in " + dir));
            }
            System.arraycopy(im.pixels(), 0, px, i * per, per);
        }
        return new LabelledImages(name, p, first.height(), first.width(), px, labels, classes);
    }

    /** Where the images come from, e.g. {@code fashion-mnist test[0:1000]} or the folder. */
    public String name() {
        return name;
    }

    /** The preprocessing they were read with (and are normalised with). */
    public ImagePreprocessing preprocessing() {
        return preprocessing;
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Channels per image (1 or 3). */
    public int channels() {
        return preprocessing.channels();
    }

    /** Image height in pixels. */
    public int height() {
        return height;
    }

    /** Image width in pixels. */
    public int width() {
        return width;
    }

    /** Floats per image: channels × height × width. */
    public int valuesPerImage() {
        return channels() * height * width;
    }

    /** Class index of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** The largest class index of any image. */
    public int maxLabel() {
        return Arrays.stream(labels).max().orElse(-1);
    }

    /** The class names in label order. */
    public List<String> classes() {
        return classes;
    }

    /** The first {@code n} images (all if {@code n ≥ size()}). */
    public LabelledImages head(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("subset size must be ≥ 1, got " + n);
        }
        if (n >= size()) {
            return this;
        }
        int per = valuesPerImage();
        return new LabelledImages(name + "[0:" + n + "]", preprocessing, height, width,
                Arrays.copyOf(pixels, n * per), Arrays.copyOf(labels, n), classes);
    }

    /**
     * A seeded random subset of {@code n} distinct images ({@link FashionMnist#permutation}: a Fisher–Yates shuffle
     * with {@code java.util.Random(seed)}), e.g. calibration images drawn from a user's image folder; named
     * {@code NAME sample n=N seed=S}. All images (in shuffled order) when {@code n ≥ size()}.
     */
    public LabelledImages sample(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("sample size must be ≥ 1, got " + n);
        }
        int k = Math.min(n, size());
        int per = valuesPerImage();
        int[] idx = FashionMnist.permutation(size(), seed);
        byte[] px = new byte[k * per];
        int[] lb = new int[k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(pixels, idx[i] * per, px, i * per, per);
            lb[i] = labels[idx[i]];
        }
        return new LabelledImages(name + " sample n=" + k + " seed=" + seed, preprocessing, height, width, px, lb,
                classes);
    }

    /**
     * Calibration images: a seeded {@link #sample} of {@code n} of the user's images, or, when {@code userImages} is
     * null, {@code n} Fashion-MNIST <em>training</em> images ({@link FashionMnist#calibration}, disjoint from the test
     * split the toolkit scores on) under {@code p}.
     *
     * @throws IOException if the Fashion-MNIST training split is not installed
     */
    public static LabelledImages calibration(LabelledImages userImages, ImagePreprocessing p, int n, long seed)
            throws IOException {
        return userImages != null ? userImages.sample(n, seed)
                : fromFashionMnist(FashionMnist.calibration(n, seed), p);
    }

    /**
     * All images, normalised, as one NCHW float array named {@code input} (a model's image input), e.g. the
     * calibration arrays of learned rounding on an ONNX classifier.
     */
    public NamedArrays asArrays(String input) {
        float[] values = new float[size() * valuesPerImage()];
        normalizedInto(0, size(), values, 0);
        return new NamedArrays(name, java.util.Map.of(input,
                NpyArray.ofFloats(input, values, size(), channels(), height, width)));
    }

    /**
     * SHA-256 (64 hex digits) of what a model is fed: the preprocessing ({@link ImagePreprocessing#toString()}), the
     * image size and every pixel byte in order (labels are not included); part of cache keys.
     */
    public String sha256() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update((preprocessing + " " + channels() + "x" + height + "x" + width + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(pixels);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Writes the normalised images {@code from..to-1} into {@code out} (modified) from {@code offset}, NCHW,
     * {@link #valuesPerImage()} floats each.
     */
    public void normalizedInto(int from, int to, float[] out, int offset) {
        if (from < 0 || to > size() || from >= to) {
            throw new IllegalArgumentException("image range " + from + ".." + to + " is outside 0.." + size());
        }
        int per = valuesPerImage();
        preprocessing.normalize(pixels, from * per, (to - from) * per, height * width, out, offset);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LabelledImages[%s, %d images %dx%dx%d, %d classes]", name, size(),
                channels(), height, width, classes.size());
    }
}
