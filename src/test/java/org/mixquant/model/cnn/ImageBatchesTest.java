package org.mixquant.model.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Djl;

class ImageBatchesTest {
    static FashionMnist tiny(int n) {
        byte[] pixels = new byte[n * FashionMnist.PIXELS];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
            pixels[i * FashionMnist.PIXELS] = (byte) (i * 20);
        }
        return FashionMnist.of("tiny", pixels, labels);
    }

    @Test
    void batchesCoverEveryImageOnceWithItsLabelAndPixels() {
        FashionMnist d = tiny(7);
        try (NDManager m = Djl.engine().newBaseManager()) {
            int seen = 0;
            for (ImageBatches.Batch b : ImageBatches.batches(d, m, 3)) {
                try (b) {
                    assertEquals(new Shape(b.size(), 1, 28, 28), b.images().getShape());
                    int[] labels = b.labels().toIntArray();
                    float[] px = b.images().toFloatArray();
                    for (int k = 0; k < labels.length; k++) {
                        assertEquals((b.from() + k) % 10, labels[k]);
                        assertEquals(FashionMnist.normalize((b.from() + k) * 20 & 0xff), px[k * FashionMnist.PIXELS],
                                0f, "first pixel of image " + (b.from() + k) + ", normalized exactly");
                    }
                    seen += b.size();
                }
            }
            assertEquals(7, seen);
        }
    }

    @Test
    void badRangesAndBatchSizesAreRefused() {
        FashionMnist d = tiny(4);
        try (NDManager m = Djl.engine().newBaseManager()) {
            assertThrows(IllegalArgumentException.class, () -> ImageBatches.images(d, m, 2, 5));
            assertThrows(IllegalArgumentException.class, () -> ImageBatches.labels(d, m, 3, 3));
            assertThrows(IllegalArgumentException.class, () -> ImageBatches.batches(d, m, 0));
        }
    }
}
