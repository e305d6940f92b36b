package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.data.ImagePreprocessing;
import org.mixquant.data.LabelledImages;
import org.mixquant.model.Layer;
import org.mixquant.model.TinyOnnx;
import org.mixquant.tensor.WeightTensor;

/** {@link ImageClassifier} on tiny generated CNNs: signature checks, batching, and replaced Conv weights. */
class ImageClassifierTest {
    static LabelledImages images(int n, int channels, int side) {
        byte[] px = new byte[n * FashionMnist.PIXELS];
        byte[] lb = new byte[n];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37);
        }
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
        }
        ImagePreprocessing p = ImagePreprocessing.FASHION_MNIST.withChannels(channels);
        if (side != FashionMnist.SIDE) {
            p = new ImagePreprocessing(side, side, channels, p.mean(), p.std());
        }
        return LabelledImages.fromFashionMnist(FashionMnist.of("synthetic", px, lb), p);
    }

    static OnnxModel cnn(int channels, int classes) {
        return OnnxModel.fromBytes("tiny-cnn", TinyOnnx.cnn(channels, classes).bytes());
    }

    @Test
    void signatureReadsTheNchwInputAndTheClassCount() throws Exception {
        ImageClassifier.Signature s = ImageClassifier.signature(cnn(3, 10));
        assertEquals("x", s.input());
        assertEquals(3, s.channels());
        assertEquals(8, s.height());
        assertEquals(8, s.width());
        assertEquals(10, s.classes());
        assertEquals("[batch, 3, 8, 8]", s.shape());
        assertTrue(ImageClassifier.looksLikeOne(cnn(1, 10)));
    }

    @Test
    void batchesGiveTheSameLogitsAsOneRun() throws Exception {
        OnnxModel m = cnn(1, 10);
        LabelledImages x = images(7, 1, 8);
        float[][] one = ImageClassifier.logits(m, x, 7, 1, null);
        float[][] three = ImageClassifier.logits(m, x, 3, 1, null);
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(one[i], three[i], 1e-6f, "image " + i); // the same kernels; 1e-6 allows a reorder
        }
    }

    /** Regression: at ONNX Runtime's ALL_OPT level a replaced Conv weight was silently ignored. */
    @Test
    void aReplacedConvWeightIsWhatRuns() throws Exception {
        OnnxModel m = cnn(1, 10);
        Layer conv = m.layers().stream().filter(l -> l.name().equals("conv")).findFirst().orElseThrow();
        WeightTensor zero = conv.weight().withData(new float[conv.weight().size()]);
        LabelledImages x = images(4, 1, 8);
        float[][] fp32 = ImageClassifier.logits(m, x, 4, 1, null);
        float[][] zeroed = ImageClassifier.logits(m.withWeights(Map.of("conv", zero)), x, 4, 1, null);
        for (int i = 0; i < 4; i++) {
            for (float v : zeroed[i]) {
                assertEquals(0f, v, "zero conv weights and no biases give zero logits");
            }
            assertFalse(java.util.Arrays.equals(fp32[i], zeroed[i]));
        }
    }

    @Test
    void wrongChannelCountIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageClassifier.logits(cnn(3, 10), images(2, 1, 8), 2, 1, null));
        assertTrue(e.getMessage().contains("takes 3-channel images") && e.getMessage().contains("1 channel"),
                e.getMessage());
    }

    @Test
    void wrongImageSizeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageClassifier.logits(cnn(1, 10), images(2, 1, 28), 2, 1, null));
        assertTrue(e.getMessage().contains("takes 8x8 images") && e.getMessage().contains("28x28"), e.getMessage());
    }

    @Test
    void labelsOutsideTheOutputAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageClassifier.logits(cnn(1, 5), images(10, 1, 8), 5, 1, null));
        assertTrue(e.getMessage().contains("outputs 5 classes") && e.getMessage().contains("class index 9"),
                e.getMessage());
    }

    @Test
    void aModelWhoseInputIsNot4dFloatIsRefused() throws Exception {
        OnnxModel mlp = OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .bytes());
        assertFalse(ImageClassifier.looksLikeOne(mlp));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageClassifier.signature(mlp));
        assertTrue(e.getMessage().contains("input 'x' is float [1, 4], not a 4-D float NCHW image tensor"),
                e.getMessage());
    }
}
