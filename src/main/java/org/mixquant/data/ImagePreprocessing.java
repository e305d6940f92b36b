package org.mixquant.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;

/**
 * How an image becomes a network input, in the torchvision order: resize so that the shorter side is
 * {@code resize} pixels (aspect ratio kept; bilinear, Java 2D), centre-crop to {@code crop × crop}, convert to
 * {@code channels} (1 = grayscale by Java 2D's luminance, 3 = RGB), then per channel c
 * {@code x = (pixel / 255 − mean[c]) / std[c]} in float32, laid out CHW. {@code resize} or {@code crop} 0 skips that
 * step. The pixels kept in memory are the bytes after resizing, cropping and colour conversion
 * ({@link #toBytes}); normalisation happens per batch ({@link #normalize}). Immutable (the arrays are copied in and
 * out).
 *
 * @param resize   shorter side after resizing, pixels (0: no resize)
 * @param crop     side of the centre crop, pixels (0: no crop)
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param mean     per-channel mean of pixel/255, one value or {@code channels} values
 * @param std      per-channel standard deviation of pixel/255, one value or {@code channels} values, all &gt; 0
 */
public record ImagePreprocessing(int resize, int crop, int channels, float[] mean, float[] std) {

    /** Fashion-MNIST's: 28×28 grayscale, no resize or crop, the training set's mean and std. */
    public static final ImagePreprocessing FASHION_MNIST = new ImagePreprocessing(0, 0, 1,
            new float[] {FashionMnist.MEAN}, new float[] {FashionMnist.STD});

    /** Checks the values and copies the arrays; a single mean or std applies to every channel. */
    public ImagePreprocessing {
        if (resize < 0 || crop < 0) {
            throw new IllegalArgumentException("resize and crop must be ≥ 0 (0 = none), got " + resize + " and "
                    + crop);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        mean = perChannel("mean", mean, channels);
        std = perChannel("std", std, channels);
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std values must be finite and > 0, got " + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("mean values must be finite, got " + Arrays.toString(mean));
            }
        }
    }

    private static float[] perChannel(String what, float[] v, int channels) {
        if (v == null || (v.length != 1 && v.length != channels)) {
            throw new IllegalArgumentException(what + " needs 1 or " + channels + " values for " + channels
                    + "-channel images, got " + (v == null ? "none" : Arrays.toString(v)));
        }
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = v.length == 1 ? v[0] : v[c];
        }
        return out;
    }

    /** The per-channel means (a copy). */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** The per-channel standard deviations (a copy). */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** The same settings with {@code channels} (mean and std must have 1 value or that many). */
    public ImagePreprocessing withChannels(int channels) {
        return new ImagePreprocessing(resize, crop, channels, sameOrFirst(mean, channels), sameOrFirst(std, channels));
    }

    private static float[] sameOrFirst(float[] v, int channels) {
        boolean uniform = true;
        for (float x : v) {
            uniform &= x == v[0];
        }
        return v.length == channels ? v : uniform ? new float[] {v[0]} : v;
    }

    /** True when resizing or cropping changes the image (so it must be drawn, not copied). */
    public boolean resamples() {
        return resize > 0 || crop > 0;
    }

    /**
     * The image after resizing, cropping and colour conversion, as bytes {@code 0..255} in CHW order
     * ({@code channels × height × width}).
     *
     * @throws IllegalArgumentException if the crop is larger than the (resized) image
     */
    public Prepared toBytes(BufferedImage img) {
        BufferedImage im = img;
        if (resize > 0) {
            int w = im.getWidth();
            int h = im.getHeight();
            int nw = w <= h ? resize : (int) Math.round((double) w * resize / h);
            int nh = w <= h ? (int) Math.round((double) h * resize / w) : resize;
            if (nw != w || nh != h) {
                BufferedImage r = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = r.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(im, 0, 0, nw, nh, null);
                g.dispose();
                im = r;
            }
        }
        int x0 = 0;
        int y0 = 0;
        int w = im.getWidth();
        int h = im.getHeight();
        if (crop > 0) {
            if (crop > w || crop > h) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "the %dx%d crop is larger than the"
                        + " %dx%d image%s", crop, crop, w, h, resize > 0 ? " after resizing" : ""));
            }
            x0 = (w - crop) / 2;
            y0 = (h - crop) / 2;
            w = crop;
            h = crop;
        }
        byte[] out = new byte[channels * w * h];
        boolean gray = im.getType() == BufferedImage.TYPE_BYTE_GRAY;
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (gray) {
                    int v = im.getRaster().getSample(x0 + x, y0 + y, 0);
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + p] = (byte) v;
                    }
                    continue;
                }
                int rgb = im.getRGB(x0 + x, y0 + y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 3) {
                    out[p] = (byte) r;
                    out[plane + p] = (byte) g;
                    out[2 * plane + p] = (byte) b;
                } else {
                    // ITU-R BT.601 luma, as PIL's convert("L")
                    out[p] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
                }
            }
        }
        return new Prepared(out, h, w);
    }

    /**
     * One image's bytes after {@link #toBytes}.
     *
     * @param pixels CHW bytes
     * @param height rows
     * @param width  columns
     */
    public record Prepared(byte[] pixels, int height, int width) {
    }

    /**
     * Writes {@code (pixel / 255 − mean[c]) / std[c]} of {@code len} CHW bytes from {@code pixels[from]} into
     * {@code out} (modified) from {@code offset}; {@code plane} = height × width.
     */
    public void normalize(byte[] pixels, int from, int len, int plane, float[] out, int offset) {
        for (int i = 0; i < len; i++) {
            int c = (i / plane) % channels;
            out[offset + i] = ((pixels[from + i] & 0xff) / 255f - mean[c]) / std[c];
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessing p && p.resize == resize && p.crop == crop && p.channels == channels
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {resize, crop, channels, Arrays.hashCode(mean), Arrays.hashCode(std)});
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s%s%s, mean %s, std %s", channels == 1 ? "grayscale" : "RGB",
                resize > 0 ? ", resize " + resize : "", crop > 0 ? ", centre crop " + crop : "",
                Arrays.toString(mean), Arrays.toString(std));
    }
}
