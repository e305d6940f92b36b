package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.data.LabelledImages;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.Models;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;

/**
 * {@link ExportCheck#ofFileOnImages} and {@link ExportCheck#ofFileOnTexts}: an exported model written to disk and
 * read back computes the fake-quantized model's outputs, and a file of another plan is caught.
 */
class ExportCheckFileTest {
    /** Same bound as {@code OnnxExportTest}: the weights are equal bit for bit, only ORT's float order differs. */
    static final double MAX_ABS_DIFF = 1e-5;
    /** A file exported at 2 bits differs from the 4-bit fake-quantized model far above float rounding. */
    static final double WRONG_PLAN_MIN_DIFF = 1e-3;

    private static OnnxExport export(OnnxModel m, BitPlan plan) {
        List<OnnxExport.IntegerLayer> out = new ArrayList<>();
        for (Layer l : m.layers()) {
            QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
            IntegerWeights iw = IntegerWeights.nearest(l.weight(), spec);
            out.add(new OnnxExport.IntegerLayer(l.name(), iw.codes(), iw.params().scales(), iw.params().zeroPoints(),
                    iw.signed(), spec.bits()));
        }
        return OnnxExport.of(m, out);
    }

    private static BitPlan uniform(OnnxModel m, int bits) {
        return BitPlan.uniform(m.source(), m.layerNames(), bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
    }

    @Test
    void imageClassifierFileReproducesFakeQuantLogitsAndCatchesAnotherPlan(@TempDir Path dir) throws Exception {
        OnnxModel m = ImageClassifierTest.cnn(1, 10);
        LabelledImages images = ImageClassifierTest.images(300, 1, 8); // more than one batch of 250
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, uniform(m, 4)).model();
        Path file4 = dir.resolve("q4.onnx");
        export(m, uniform(m, 4)).write(file4);
        ExportCheck ok = ExportCheck.ofFileOnImages(fake, file4, images, 1);
        assertEquals(300L * 10, ok.values());
        assertEquals("300 images (first output)", ok.inputs());
        assertTrue(ok.maxAbsDiff() <= MAX_ABS_DIFF, ok.toString());

        Path file2 = dir.resolve("q2.onnx");
        export(m, uniform(m, 2)).write(file2);
        ExportCheck wrong = ExportCheck.ofFileOnImages(fake, file2, images, 1);
        assertTrue(wrong.maxAbsDiff() > WRONG_PLAN_MIN_DIFF, wrong.toString());

        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> ExportCheck.ofFileOnImages(fake, dir.resolve("missing.onnx"), images, 1));
        assertThrows(IllegalArgumentException.class,
                () -> ExportCheck.ofFileOnImages(fake, file4, ImageClassifierTest.images(3, 3, 8), 1));
    }

    /** MiniLM at 4 bits: the file read back embeds 8 fortunes as the fake-quantized model does; 3 bits does not. */
    @Test
    void textEncoderFileReproducesFakeQuantEmbeddingsAndCatchesAnotherPlan(@TempDir Path dir) throws Exception {
        OnnxModel m = Models.minilm();
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, uniform(m, 4)).model();
        List<String> texts = FortuneCorpus.load(8);
        Path file4 = dir.resolve("q4.onnx");
        export(m, uniform(m, 4)).write(file4);
        ExportCheck ok = ExportCheck.ofFileOnTexts(fake, file4, texts, 2);
        assertEquals(8L * 384, ok.values());
        assertTrue(ok.maxAbsDiff() <= MAX_ABS_DIFF, ok.toString());

        Path file3 = dir.resolve("q3.onnx");
        export(m, uniform(m, 3)).write(file3);
        ExportCheck wrong = ExportCheck.ofFileOnTexts(fake, file3, texts, 2);
        assertTrue(wrong.maxAbsDiff() > WRONG_PLAN_MIN_DIFF, wrong.toString());
        assertThrows(IllegalArgumentException.class, () -> ExportCheck.ofFileOnTexts(fake, file4, List.of(), 2));
    }
}
