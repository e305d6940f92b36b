package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LabelledImages} from image folders and IDX data, with {@link ImagePreprocessing}. */
class LabelledImagesTest {
    @TempDir
    Path dir;

    static void png(Path file, int w, int h, int rgb) throws Exception {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, x == 0 ? 0 : rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(im, "png", file.toFile());
    }

    @Test
    void fashionMnistBytesNormaliseExactlyAsTheCnnsInput() throws Exception {
        byte[] px = new byte[3 * FashionMnist.PIXELS];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7);
        }
        FashionMnist f = FashionMnist.of("t", px, new byte[] {1, 2, 3});
        LabelledImages li = LabelledImages.fromFashionMnist(f, ImagePreprocessing.FASHION_MNIST);
        float[] a = new float[3 * FashionMnist.PIXELS];
        float[] b = new float[a.length];
        li.normalizedInto(0, 3, a, 0);
        f.normalizedInto(0, 3, b, 0);
        assertTrue(java.util.Arrays.equals(a, b), "bit for bit");
        assertEquals(List.of(1, 2, 3), List.of(li.label(0), li.label(1), li.label(2)));
        assertEquals(FashionMnist.CLASS_NAMES, li.classes());
    }

    /** A seeded sample keeps each image with its label, in the seed's order; the content hash follows the pixels. */
    @Test
    void aSeededSampleAndAContentHash() {
        byte[] px = new byte[5 * FashionMnist.PIXELS];
        for (int i = 0; i < 5; i++) {
            java.util.Arrays.fill(px, i * FashionMnist.PIXELS, (i + 1) * FashionMnist.PIXELS, (byte) (10 * i));
        }
        LabelledImages all = LabelledImages.fromFashionMnist(FashionMnist.of("t", px, new byte[] {0, 1, 2, 3, 4}),
                ImagePreprocessing.FASHION_MNIST);
        LabelledImages s = all.sample(3, 7);
        assertEquals(3, s.size());
        assertEquals("fashion-mnist t sample n=3 seed=7", s.name());
        int[] idx = FashionMnist.permutation(5, 7);
        float[] one = new float[FashionMnist.PIXELS];
        float[] want = new float[FashionMnist.PIXELS];
        for (int k = 0; k < 3; k++) {
            assertEquals(idx[k], s.label(k), "image " + k + " keeps its label");
            s.normalizedInto(k, k + 1, one, 0);
            all.normalizedInto(idx[k], idx[k] + 1, want, 0);
            assertTrue(java.util.Arrays.equals(want, one), "image " + k);
        }
        assertEquals(5, all.sample(99, 7).size(), "all of them when fewer");
        assertEquals(s.sha256(), all.sample(3, 7).sha256(), "same seed, same images");
        assertTrue(!s.sha256().equals(all.sample(3, 8).sha256()) || java.util.Arrays.equals(
                java.util.Arrays.copyOf(idx, 3), java.util.Arrays.copyOf(FashionMnist.permutation(5, 8), 3)),
                "other images, other hash");
        assertTrue(!all.sha256().equals(LabelledImages.fromFashionMnist(FashionMnist.of("t", px, new byte[5]),
                new ImagePreprocessing(0, 0, 1, new float[] {0.5f}, new float[] {0.5f})).sha256()),
                "the preprocessing is part of the hash");
    }

    @Test
    void imagesBecomeOneNchwArrayForAModelsInput() throws Exception {
        byte[] px = new byte[5 * FashionMnist.PIXELS];
        for (int i = 0; i < 5; i++) {
            java.util.Arrays.fill(px, i * FashionMnist.PIXELS, (i + 1) * FashionMnist.PIXELS, (byte) (10 * i));
        }
        FashionMnist f = FashionMnist.of("t", px, new byte[] {0, 1, 2, 3, 4});
        LabelledImages s = LabelledImages.fromFashionMnist(f, ImagePreprocessing.FASHION_MNIST).sample(3, 7);
        NamedArrays arrays = s.asArrays("pixels");
        NpyArray a = arrays.get("pixels");
        assertEquals(List.of(3L, 1L, 28L, 28L), java.util.Arrays.stream(a.shape()).boxed().toList());
        float[] expected = new float[3 * FashionMnist.PIXELS];
        s.normalizedInto(0, 3, expected, 0);
        assertTrue(java.util.Arrays.equals(expected, a.floats()), "the normalised images, NCHW, in sample order");
        assertEquals(3, arrays.samples());
        assertMessage(() -> s.sample(0, 7), "sample size must be ≥ 1");
    }

    @Test
    void aFolderGivesOneClassPerSortedSubFolder() throws Exception {
        png(dir.resolve("cat/a.png"), 6, 4, 0x102030);
        png(dir.resolve("cat/b.PNG"), 6, 4, 0x102030);
        png(dir.resolve("ant/x.png"), 6, 4, 0xff0000);
        Files.writeString(dir.resolve("ant/readme.txt"), "not an image");
        ImagePreprocessing rgb = new ImagePreprocessing(0, 4, 3, new float[] {0f}, new float[] {1f});
        LabelledImages li = LabelledImages.fromFolder(dir, rgb, null);
        assertEquals(List.of("ant", "cat"), li.classes());
        assertEquals(3, li.size());
        assertEquals(List.of(0, 1, 1), List.of(li.label(0), li.label(1), li.label(2)));
        assertEquals(4, li.width()); // centre crop 4 of 6: columns 1..4, so the black column 0 is cut off
        float[] x = new float[li.valuesPerImage()];
        li.normalizedInto(0, 1, x, 0);
        assertEquals(1f, x[0]); // red plane of a red image
        assertEquals(0f, x[16]); // green plane
        LabelledImages named = LabelledImages.fromFolder(dir, rgb, List.of("cat", "dog", "ant"));
        assertEquals(2, named.label(0));
        assertEquals(0, named.label(1));
    }

    @Test
    void resizeKeepsTheAspectRatioAndGrayIsLuma() throws Exception {
        png(dir.resolve("a/1.png"), 20, 10, 0x808080);
        LabelledImages li = LabelledImages.fromFolder(dir,
                new ImagePreprocessing(5, 0, 1, new float[] {0f}, new float[] {1f}), null);
        assertEquals(5, li.height());
        assertEquals(10, li.width());
        float[] x = new float[li.valuesPerImage()];
        li.normalizedInto(0, 1, x, 0);
        assertEquals(128 / 255f, x[5 * 10 - 1], 1e-6f); // a pixel away from the black edge
    }

    @Test
    void badFoldersAreNamed() throws Exception {
        ImagePreprocessing p = ImagePreprocessing.FASHION_MNIST;
        assertMessage(() -> LabelledImages.fromFolder(dir, p, null), "has no class sub-folders");
        Files.createDirectories(dir.resolve("empty-class"));
        assertMessage(() -> LabelledImages.fromFolder(dir, p, null), "holds no images");
        png(dir.resolve("a/1.png"), 6, 6, 0);
        png(dir.resolve("a/2.png"), 7, 6, 0);
        assertMessage(() -> LabelledImages.fromFolder(dir, p, null), "images differ in size");
        assertMessage(() -> LabelledImages.fromFolder(dir, p, List.of("b")), "sub-folder 'a'");
        assertMessage(() -> LabelledImages.fromFolder(dir.resolve("nope"), p, null), "does not exist");
        Files.write(dir.resolve("a/3.png"), new byte[] {1, 2, 3});
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> LabelledImages.fromFolder(dir, new ImagePreprocessing(4, 4, 1, new float[] {0f},
                        new float[] {1f}), null));
        assertTrue(e.getMessage().contains("3.png") && e.getMessage().contains("cannot be decoded"), e.getMessage());
    }

    @Test
    void preprocessingRejectsBadValues() {
        assertThrows(IllegalArgumentException.class,
                () -> new ImagePreprocessing(0, 0, 2, new float[] {0f}, new float[] {1f}));
        assertThrows(IllegalArgumentException.class,
                () -> new ImagePreprocessing(0, 0, 3, new float[] {0f, 1f}, new float[] {1f}));
        assertThrows(IllegalArgumentException.class,
                () -> new ImagePreprocessing(0, 0, 1, new float[] {0f}, new float[] {0f}));
        assertEquals(3, ImagePreprocessing.FASHION_MNIST.withChannels(3).mean().length);
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable r, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
