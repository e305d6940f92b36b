package org.mixquant.model.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.tensor.WeightTensor;

class CnnWeightsTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsExactlyAndKeepsOrder() throws IOException {
        CnnWeights w = CnnWeights.init(CnnNetwork.resnet20(), 3);
        Path f = tmp.resolve("w.mqw");
        String sha = w.write(f);
        assertEquals(sha + "  w.mqw", Files.readString(CnnWeights.checksumFile(f)).strip());
        CnnWeights r = CnnWeights.readVerified(f);
        assertEquals(List.copyOf(w.tensors().keySet()), List.copyOf(r.tensors().keySet()));
        for (Map.Entry<String, WeightTensor> e : w.tensors().entrySet()) {
            assertArrayEquals(e.getValue().shape(), r.get(e.getKey()).shape(), e.getKey());
            assertArrayEquals(e.getValue().toArray(), r.get(e.getKey()).toArray(), 0f, e.getKey());
        }
        assertEquals(273_754, w.params(), "ResNet-20 stored params incl. BN statistics");
    }

    @Test
    void initIsSeeded() {
        CnnWeights a = CnnWeights.init(CnnNetwork.mobilenetv2(), 5);
        CnnWeights b = CnnWeights.init(CnnNetwork.mobilenetv2(), 5);
        assertArrayEquals(a.toBytes(), b.toBytes());
    }

    @Test
    void checksumMismatchIsReported() throws IOException {
        Path f = tmp.resolve("w.mqw");
        CnnWeights.init(CnnNetwork.resnet20(), 1).write(f);
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 1] ^= 1;
        Files.write(f, bytes);
        IOException e = assertThrows(IOException.class, () -> CnnWeights.readVerified(f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        Files.delete(CnnWeights.checksumFile(f));
        e = assertThrows(IOException.class, () -> CnnWeights.readVerified(f));
        assertTrue(e.getMessage().contains("checksum file"), e.getMessage());
    }

    @Test
    void truncatedAndForeignFilesAreRejected() throws IOException {
        byte[] bytes = CnnWeights.init(CnnNetwork.resnet20(), 1).toBytes();
        IOException e = assertThrows(IOException.class,
                () -> CnnWeights.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 10), "t"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(IOException.class, () -> CnnWeights.fromBytes("PK\u0003\u0004xxxx".getBytes(), "zip"));
        assertTrue(e.getMessage().contains("MQW1"), e.getMessage());
    }

    @Test
    void validationNamesTheBadTensor() {
        CnnNetwork net = CnnNetwork.resnet20();
        Map<String, WeightTensor> m = new java.util.LinkedHashMap<>(CnnWeights.init(net, 1).tensors());
        m.put("stage2.block0.bn1.running_var", WeightTensor.wrap(new float[31], new int[] {31}, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnWeights.of(m).validateFor(net, "x"));
        assertTrue(e.getMessage().contains("stage2.block0.bn1.running_var"), e.getMessage());
        m.remove("stage2.block0.bn1.running_var");
        e = assertThrows(IllegalArgumentException.class, () -> CnnWeights.of(m).validateFor(net, "x"));
        assertTrue(e.getMessage().contains("lacks tensor 'stage2.block0.bn1.running_var'"), e.getMessage());
    }
}
