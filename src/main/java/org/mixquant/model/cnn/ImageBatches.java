package org.mixquant.model.cnn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.mixquant.data.FashionMnist;

/**
 * Fashion-MNIST images as DJL arrays for the CNNs. {@code data} keeps plain arrays (no DJL types, DESIGN.md); this is
 * the one place they become {@code NDArray}s, normalized by {@link FashionMnist#normalizedInto}.
 */
public final class ImageBatches {
    private ImageBatches() {
    }

    /** Images {@code from..to-1} normalized, as a float32 NDArray {@code [to-from, 1, 28, 28]} of {@code manager}. */
    public static NDArray images(FashionMnist data, NDManager manager, int from, int to) {
        data.checkRange(from, to);
        float[] buf = new float[(to - from) * FashionMnist.PIXELS];
        data.normalizedInto(from, to, buf, 0);
        return manager.create(buf, new Shape(to - from, 1, FashionMnist.SIDE, FashionMnist.SIDE));
    }

    /** Labels {@code from..to-1} as an int32 NDArray {@code [to-from]} of {@code manager}. */
    public static NDArray labels(FashionMnist data, NDManager manager, int from, int to) {
        data.checkRange(from, to);
        int[] buf = new int[to - from];
        for (int i = from; i < to; i++) {
            buf[i - from] = data.label(i);
        }
        return manager.create(buf);
    }

    /**
     * The images in order as batches of at most {@code batchSize}; each batch's arrays belong to a sub-manager of
     * {@code manager} that the caller closes with the batch.
     */
    public static Iterable<Batch> batches(FashionMnist data, NDManager manager, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < data.size();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int from = next;
                int to = Math.min(data.size(), from + batchSize);
                next = to;
                NDManager sub = manager.newSubManager();
                return new Batch(sub, from, to, images(data, sub, from, to), labels(data, sub, from, to));
            }
        };
    }

    /**
     * One batch: images {@code [n, 1, 28, 28]} and labels {@code [n]} owned by {@code manager}; closing the batch
     * frees them.
     *
     * @param manager the sub-manager that owns the arrays
     * @param from    index of the first image in the data set
     * @param to      one past the last image
     * @param images  normalized images
     * @param labels  int32 labels
     */
    public record Batch(NDManager manager, int from, int to, NDArray images, NDArray labels) implements AutoCloseable {
        /** Number of images. */
        public int size() {
            return to - from;
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
