package org.mixquant.model.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.model.Models;
import org.mixquant.model.QuantizableModel;
import org.mixquant.tensor.WeightTensor;

class CnnModelTest {
    @TempDir
    Path tmp;

    static CnnModel random(CnnArch arch) {
        return CnnModel.of("random-" + arch.cliName(), arch, CnnWeights.init(arch.network(), 11));
    }

    @Test
    void resnet20LayersAreNamedInForwardOrder() {
        CnnModel m = random(CnnArch.RESNET20);
        List<String> names = m.layerNames();
        assertEquals(22, names.size(), "stem + 9 blocks x 2 convolutions + 2 projection shortcuts + head.fc");
        assertEquals(List.of("stem.conv", "stage1.block0.conv1", "stage1.block0.conv2", "stage1.block1.conv1"),
                names.subList(0, 4));
        assertEquals(List.of("stage2.block0.conv1", "stage2.block0.conv2", "stage2.block0.shortcut"),
                names.subList(7, 10));
        assertEquals("head.fc", names.get(names.size() - 1));
        long convs = m.layers().stream().filter(l -> l.kind() == LayerKind.CONV).count();
        assertEquals(21, convs);
        for (Layer l : m.layers()) {
            assertEquals(0, l.channelAxis(), l.name());
            assertEquals(l.name() + ".weight", l.tensorName());
        }
        assertEquals(LayerKind.LINEAR, m.layer("head.fc").kind());
        assertArrayEquals(new int[] {10, 64}, m.layer("head.fc").weight().shape());
        assertArrayEquals(new int[] {32, 16, 1, 1}, m.layer("stage2.block0.shortcut").weight().shape());
        // 144 + 13,824 + 4,608 + 46,080 + 512 + 18,432 + 184,320 + 2,048 (convolutions) + 640 (fc)
        assertEquals(270_608, m.quantizableParams(), "ResNet-20 with projection shortcuts, 1 input channel");
        assertEquals(784 + 10, m.otherParams(), "one folded bias per convolution output channel, plus fc's");
    }

    @Test
    void mobilenetMarksDepthwiseLayers() {
        CnnModel m = random(CnnArch.MOBILENETV2);
        assertEquals(List.of("stem.conv", "block0.dw", "block0.project", "block1.expand", "block1.dw"),
                m.layerNames().subList(0, 5));
        long dw = m.layers().stream().filter(l -> l.kind() == LayerKind.DEPTHWISE_CONV).count();
        assertEquals(8, dw, "one depthwise convolution per inverted residual block (1 + 2 + 3 + 2)");
        assertArrayEquals(new int[] {96, 1, 3, 3}, m.layer("block1.dw").weight().shape());
        assertEquals(LayerKind.DEPTHWISE_CONV, m.layer("block1.dw").kind());
        assertEquals(List.of("head.conv", "head.fc"), m.layerNames().subList(m.layers().size() - 2,
                m.layers().size()));
    }

    @Test
    void otherParamsAreTheFoldedBiases() {
        CnnModel m = random(CnnArch.RESNET20);
        long biases = 10;
        for (ConvSpec c : m.network().convs()) {
            biases += c.out();
        }
        assertEquals(biases, m.otherParams());
        assertEquals(m.unfolded().params(), m.quantizableParams() + 10 + 4 * (biases - 10),
                "every stored value is a weight, the fc bias, or one of 4 BatchNorm values per channel");
    }

    @Test
    void withWeightsReturnsANewModelAndNeverMutates() {
        CnnModel m = random(CnnArch.RESNET20);
        Layer stem = m.layer("stem.conv");
        float[] before = stem.weight().toArray();
        WeightTensor zeros = WeightTensor.of(new float[stem.weight().size()], stem.weight().shape(), 0);
        CnnModel q = m.withWeights(Map.of("stem.conv", zeros));
        assertArrayEquals(before, m.layer("stem.conv").weight().toArray(), 0f, "original unchanged");
        assertFalse(m.isModified());
        assertTrue(q.isModified());
        assertArrayEquals(new float[before.length], q.layer("stem.conv").weight().toArray(), 0f);
        for (int i = 1; i < m.layers().size(); i++) {
            assertSame(m.layers().get(i).weight(), q.layers().get(i).weight(), "unreplaced tensors are shared");
        }
        assertSame(m.unfolded(), q.unfolded());
        assertEquals(m.otherParams(), q.otherParams());
    }

    @Test
    void badReplacementsNameTheLayer() {
        CnnModel m = random(CnnArch.MOBILENETV2);
        WeightTensor wrong = WeightTensor.of(new float[96 * 9], new int[] {96, 9}, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.withWeights(Map.of("block1.dw", wrong)));
        assertTrue(e.getMessage().contains("block1.dw") && e.getMessage().contains("[96, 1, 3, 3]"), e.getMessage());

        float[] nan = m.layer("head.fc").weight().toArray();
        nan[17] = Float.NaN;
        WeightTensor bad = WeightTensor.of(nan, new int[] {10, 256}, 0);
        e = assertThrows(IllegalArgumentException.class, () -> m.withWeights(Map.of("head.fc", bad)));
        assertTrue(e.getMessage().contains("head.fc") && e.getMessage().contains("index 17"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> m.withWeights(Map.of("nope", bad)));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void keptModelsLoadByNameWithChecksums() throws IOException {
        for (CnnArch a : CnnArch.values()) {
            QuantizableModel m = Models.load(a.modelName());
            assertTrue(m instanceof CnnModel, a.modelName());
            assertEquals(a.modelName(), m.source());
            assertTrue(Files.isRegularFile(CnnModels.cardFile(a)), "card " + CnnModels.cardFile(a));
            ModelCard card = ModelCard.read(CnnModels.cardFile(a));
            assertEquals(a.cliName(), card.architecture());
            assertEquals(CnnWeights.sha256(Files.readAllBytes(CnnModels.weightsFile(a))), card.sha256());
        }
        assertTrue(Models.builtIn().containsAll(CnnModels.builtIn()));
    }

    @Test
    void corruptKeptWeightsFailTheChecksum() throws IOException {
        Path f = tmp.resolve("resnet20-fashion.mqw");
        Files.copy(CnnModels.weightsFile(CnnArch.RESNET20), f);
        Files.copy(CnnWeights.checksumFile(CnnModels.weightsFile(CnnArch.RESNET20)), CnnWeights.checksumFile(f));
        assertEquals(CnnArch.RESNET20, CnnModels.load(CnnArch.RESNET20, f).arch());
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 0x10;
        Files.write(f, b);
        IOException e = assertThrows(IOException.class, () -> CnnModels.load(CnnArch.RESNET20, f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void wrongArchitectureForAFileIsAClearError() throws IOException {
        Path f = tmp.resolve("m.mqw");
        CnnWeights.init(CnnNetwork.mobilenetv2(), 1).write(f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnModels.load(CnnArch.RESNET20, f));
        assertTrue(e.getMessage().contains("lacks tensor") || e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void unknownNamesAndArchitectures() {
        assertThrows(IllegalArgumentException.class, () -> CnnArch.parse("vgg16"));
        assertThrows(IllegalArgumentException.class, () -> CnnModels.load("vgg16-fashion"));
        assertEquals(CnnArch.MOBILENETV2, CnnArch.ofModelName("MobileNetV2-Fashion"));
    }
}
