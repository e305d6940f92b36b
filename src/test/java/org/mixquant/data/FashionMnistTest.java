package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path tmp;

    static void writeIdx(Path file, int[] header, byte[] data) throws IOException {
        IdxFiles.writeIdx(file, header, data);
    }

    static void writeSplit(Path dir, FashionMnist.Split split, int n) throws IOException {
        IdxFiles.writeSplit(dir, split, n);
    }

    @Test
    void readsSyntheticIdxFiles() throws IOException {
        writeSplit(tmp, FashionMnist.Split.TEST, 3);
        FashionMnist d = FashionMnist.load(tmp, FashionMnist.Split.TEST);
        assertEquals(3, d.size());
        assertEquals(2, d.label(2));
        assertEquals((2 * 7 + 300) % 256, d.pixel(2, 300));
        assertEquals(255, d.pixel(0, 255), "bytes are unsigned");
        float[] out = new float[784];
        d.normalizedInto(1, 2, out, 0);
        assertEquals(FashionMnist.normalize(7), out[0], 0f, "normalization is the documented float32 formula");
        assertEquals((7 / 255f - FashionMnist.MEAN) / FashionMnist.STD, out[0], 0f);
    }

    @Test
    void rejectsWrongMagicTruncationAndBadLabels() throws IOException {
        Path bad = tmp.resolve("bad.gz");
        writeIdx(bad, new int[] {0x801, 1, 28, 28}, new byte[784]);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readImages(bad));
        assertTrue(e.getMessage().contains("not an IDX image file"), e.getMessage());

        Path trunc = tmp.resolve("trunc.gz");
        writeIdx(trunc, new int[] {0x803, 2, 28, 28}, new byte[784]);
        e = assertThrows(IOException.class, () -> FashionMnist.readImages(trunc));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path size = tmp.resolve("size.gz");
        writeIdx(size, new int[] {0x803, 1, 32, 32}, new byte[1024]);
        e = assertThrows(IOException.class, () -> FashionMnist.readImages(size));
        assertTrue(e.getMessage().contains("28x28"), e.getMessage());

        Path labels = tmp.resolve("labels.gz");
        writeIdx(labels, new int[] {0x801, 2}, new byte[] {3, 10});
        e = assertThrows(IOException.class, () -> FashionMnist.readLabels(labels));
        assertTrue(e.getMessage().contains("outside 0..9"), e.getMessage());

        Path plain = tmp.resolve("plain.gz");
        Files.write(plain, new byte[] {0, 0, 8, 3});
        e = assertThrows(IOException.class, () -> FashionMnist.readImages(plain));
        assertTrue(e.getMessage().contains("not a gzip file"), e.getMessage());
    }

    @Test
    void corruptedGzipStreamIsAnErrorNotWrongData() throws IOException {
        byte[] labels = new byte[100];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) (i % 10);
        }
        byte[] gz = IdxFiles.gzipStored(IdxFiles.raw(new int[] {0x801, labels.length}, labels));
        // flip a label byte in the middle of the stored block: it inflates fine, only the CRC32 trailer disagrees
        int mid = gz.length / 2;
        gz[mid] = (byte) (gz[mid] ^ 0x01);
        Path bad = tmp.resolve("flipped-labels.gz");
        Files.write(bad, gz);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readLabels(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("corrupt"), e.getMessage());

        // the same for a wrong CRC in the trailer itself (last 8 bytes: CRC32, then the length)
        byte[] crc = IdxFiles.gzipStored(IdxFiles.raw(new int[] {0x801, labels.length}, labels));
        crc[crc.length - 8] ^= 0x55;
        Path badCrc = tmp.resolve("crc.gz");
        Files.write(badCrc, crc);
        e = assertThrows(IOException.class, () -> FashionMnist.readLabels(badCrc));
        assertTrue(e.getMessage().contains(badCrc.toString()), e.getMessage());
    }

    @Test
    void bytesAfterTheDeclaredPayloadAreAnError() throws IOException {
        Path extra = tmp.resolve("extra.gz");
        writeIdx(extra, new int[] {0x803, 1, 28, 28}, new byte[784 + 5]);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readImages(extra));
        assertTrue(e.getMessage().contains(extra.toString()) && e.getMessage().contains("after the"),
                e.getMessage());
        Path extraLabels = tmp.resolve("extra-labels.gz");
        writeIdx(extraLabels, new int[] {0x801, 2}, new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> FashionMnist.readLabels(extraLabels));
        assertTrue(e.getMessage().contains("after the"), e.getMessage());
    }

    /**
     * A damaged stream that also decompresses to more bytes than its header declares is reported as corrupt (its CRC
     * fails), not blamed on its length: the gzip trailer's CRC-32 (8th to 5th byte from the end) is flipped here.
     */
    @Test
    void aDamagedStreamIsCorruptEvenWhenItIsAlsoTooLong() throws IOException {
        Path f = tmp.resolve("damaged-labels.gz");
        writeIdx(f, new int[] {0x801, 2}, new byte[] {1, 2, 3});
        byte[] gz = Files.readAllBytes(f);
        gz[gz.length - 8] ^= 0x5A;
        Files.write(f, gz);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readLabels(f));
        assertTrue(e.getMessage().contains("is corrupt"), e.getMessage());
    }

    /** Labels are unsigned bytes: 200 is printed as 200, not as the signed byte -56. */
    @Test
    void aLabelOutOfRangeIsPrintedUnsigned() throws IOException {
        Path f = tmp.resolve("label-200.gz");
        writeIdx(f, new int[] {0x801, 2}, new byte[] {1, (byte) 200});
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readLabels(f));
        assertTrue(e.getMessage().contains("label 200 at index 1"), e.getMessage());
    }

    @Test
    void emptyOrHeaderlessFileNamesTheFileAndTheProblem() throws IOException {
        Path empty = tmp.resolve("empty-labels.gz");
        Files.write(empty, new byte[0]);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readLabels(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
        assertTrue(!e.getMessage().contains("null"), e.getMessage());

        Path shortHeader = tmp.resolve("short.gz");
        writeIdx(shortHeader, new int[] {0x803, 1}, new byte[0]);
        e = assertThrows(IOException.class, () -> FashionMnist.readImages(shortHeader));
        assertTrue(e.getMessage().contains(shortHeader.toString()) && e.getMessage().contains("truncated"),
                e.getMessage());
    }

    @Test
    void declaredSizesAreCheckedBeforeAllocating() throws IOException {
        // 2^31-1 images would be 1.7 TB: the header alone must be rejected, not an ArithmeticException or an OOM
        Path huge = tmp.resolve("huge.gz");
        writeIdx(huge, new int[] {0x803, Integer.MAX_VALUE, 28, 28}, new byte[784]);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.readImages(huge));
        assertTrue(e.getMessage().contains(huge.toString()) && e.getMessage().contains("declares"), e.getMessage());
        // a million labels cannot come out of a 40-byte gzip file (deflate expands at most 1032:1)
        Path many = tmp.resolve("many.gz");
        writeIdx(many, new int[] {0x801, 1_000_000}, new byte[] {1});
        e = assertThrows(IOException.class, () -> FashionMnist.readLabels(many));
        assertTrue(e.getMessage().contains("declares"), e.getMessage());
    }

    @Test
    void countMismatchBetweenImagesAndLabelsIsAnError() throws IOException {
        writeSplit(tmp, FashionMnist.Split.TRAIN, 2);
        writeIdx(tmp.resolve(FashionMnist.Split.TRAIN.labelsFile()), new int[] {0x801, 3}, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(tmp, FashionMnist.Split.TRAIN));
        assertTrue(e.getMessage().contains("2 images but"), e.getMessage());
    }

    @Test
    void missingFilesSayHowToInstallThem() {
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(tmp, FashionMnist.Split.TRAIN));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install"), e.getMessage());
        assertTrue(e.getMessage().contains(FashionMnist.Split.TRAIN.imagesFile()), e.getMessage());
    }

    @Test
    void realFilesHoldSixtyAndTenThousandImages() throws IOException {
        FashionMnist train = FashionMnist.load(FashionMnist.Split.TRAIN);
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        // first labels of the published files: Ankle boot (9), T-shirt (0), ... / Ankle boot (9), Pullover (2), ...
        assertArrayEquals(new int[] {9, 0, 0, 3, 0}, firstLabels(train, 5));
        assertArrayEquals(new int[] {9, 2, 1, 1, 6}, firstLabels(test, 5));
        int sum = 0;
        for (int p = 0; p < 784; p++) {
            sum += test.pixel(0, p);
        }
        assertEquals(33456, sum, "pixel sum of the first test image (computed with Python's gzip)");
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int c : perClass) {
            assertEquals(1000, c, "the test split is balanced");
        }
    }

    private static int[] firstLabels(FashionMnist d, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = d.label(i);
        }
        return out;
    }

    @Test
    void calibrationSubsetIsSeededAndDistinct() throws IOException {
        writeSplit(tmp, FashionMnist.Split.TRAIN, 50);
        FashionMnist d = FashionMnist.load(tmp, FashionMnist.Split.TRAIN);
        FashionMnist a = d.sample(20, 7);
        FashionMnist b = d.sample(20, 7);
        FashionMnist c = d.sample(20, 8);
        assertEquals(20, a.size());
        assertArrayEquals(a.labels(), b.labels(), "same seed, same subset");
        float[] fa = new float[20 * 784];
        float[] fb = new float[20 * 784];
        a.normalizedInto(0, 20, fa, 0);
        b.normalizedInto(0, 20, fb, 0);
        assertArrayEquals(fa, fb, 0f);
        float[] fc = new float[20 * 784];
        c.normalizedInto(0, 20, fc, 0);
        assertNotEquals(java.util.Arrays.hashCode(fa), java.util.Arrays.hashCode(fc), "another seed, another subset");
        // distinct images: the first pixel (i * 7 mod 256) identifies image i < 37 uniquely, so compare row starts
        java.util.Set<String> rows = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            StringBuilder sb = new StringBuilder();
            for (int p = 0; p < 4; p++) {
                sb.append(a.pixel(i, p)).append(',');
            }
            rows.add(sb.toString());
        }
        assertEquals(20, rows.size(), "drawn without replacement");
        assertThrows(IllegalArgumentException.class, () -> d.sample(51, 1));
    }

    @Test
    void defaultCalibrationHas1024TrainingImages() throws IOException {
        FashionMnist cal = FashionMnist.calibration(FashionMnist.DEFAULT_CALIBRATION, 0);
        assertEquals(1024, cal.size());
        assertEquals(cal.labels().length, FashionMnist.calibration(1024, 0).labels().length);
        assertArrayEquals(cal.labels(), FashionMnist.calibration(1024, 0).labels());
    }
}
