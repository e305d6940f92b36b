package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;

/**
 * {@link GptqLayer} (and {@link Gptq#unfold}) against our PyTorch reference GPTQ, {@code tools/gptq/gptq_oracle.py},
 * on one MiniLM MatMul (first 64 output channels of layer 0's query, 448 token rows) and one ResNet-20 convolution
 * ({@code stage1.block1.conv1}, 4 images, every im2col row), per channel and with groups of 32, act-order off and on,
 * 4 and 3 bits, asymmetric and symmetric. Regenerate with {@code tools/gptq/README.md}.
 */
class GptqOracleTest {
    /**
     * Codes may differ where a value lands within round-off of a rounding boundary: Java and PyTorch factor the
     * Hessian differently (Java: one Cholesky and a triangular inverse; PyTorch: Cholesky, inverse, Cholesky) and
     * sum in different orders, so the error feedback differs by ~1e-12 relative; the bound.
     */
    static final double MIN_EQUAL_CODES = 0.999;
    /** Layer loss ‖XŴᵀ − XWᵀ‖² relative to the oracle's: the bound (a flipped code moves it by ~1e-3). */
    static final double LOSS_REL_TOL = 1e-4;

    record Case(String name, float[] w, int out, int in, float[] x, int rows) {
    }

    record Config(int bits, Scheme scheme, boolean actOrder, int group, boolean statik, int block, double damp,
            byte[] codes, double loss, double nearestLoss) {
    }

    @Test
    void miniLmQueryMatchesPyTorch() throws IOException {
        check("minilm-query");
    }

    @Test
    void resnet20ConvMatchesPyTorch() throws IOException {
        check("resnet20-conv");
    }

    private static void check(String name) throws IOException {
        Case c = readCase(name);
        List<Config> configs = readGolden(name, c);
        assertEquals(8, configs.size());
        double[] h = GptqLayer.hessian(c.x(), c.rows(), c.in());
        float[] before = c.w().clone();
        for (Config g : configs) {
            GptqOptions o = new GptqOptions(g.block(), g.damp(), g.actOrder(), g.group(), g.statik(), 2);
            QuantSpec spec = new QuantSpec(g.bits(), g.scheme(), Granularity.PER_CHANNEL);
            GptqLayer.Result r = GptqLayer.solve(c.w(), c.out(), c.in(), h, spec, o);
            String label = name + " " + spec + " " + o.describe();
            int equal = 0;
            for (int i = 0; i < g.codes().length; i++) {
                if (r.codes()[i] == g.codes()[i]) {
                    equal++;
                }
            }
            double share = equal / (double) g.codes().length;
            assertTrue(share >= MIN_EQUAL_CODES, label + ": equal codes " + share);
            double loss = directLoss(c, r.weights());
            assertEquals(g.loss(), loss, LOSS_REL_TOL * g.loss(), label + ": layer loss");
            // the H form of the loss that the quantizer reports is the same quantity
            assertEquals(loss, GptqLayer.layerLoss(c.w(), r.weights(), c.out(), c.in(), h), 1e-9 * loss, label);
            float[] near = new float[c.w().length];
            Gptq.nearestInto(c.w(), c.out(), c.in(), spec, g.group(), near);
            assertEquals(g.nearestLoss(), directLoss(c, near), 1e-9 * g.nearestLoss(), label + ": nearest loss");
            assertTrue(loss < g.nearestLoss(), label + ": GPTQ beats nearest");
            System.out.printf(java.util.Locale.ROOT, "%s: equal codes %.5f, loss %.9g vs oracle %.9g (rel %.2e)%n",
                    label, share, loss, g.loss(), Math.abs(loss / g.loss() - 1));
        }
        assertArrayEquals(before, c.w(), "the weights are not modified");
    }

    /** ‖X Ŵᵀ − X Wᵀ‖² in double, straight from the inputs. */
    private static double directLoss(Case c, float[] wq) {
        double total = 0;
        double[] d = new double[c.in()];
        for (int o = 0; o < c.out(); o++) {
            for (int j = 0; j < c.in(); j++) {
                d[j] = (double) wq[o * c.in() + j] - c.w()[o * c.in() + j];
            }
            for (int r = 0; r < c.rows(); r++) {
                double s = 0;
                int xb = r * c.in();
                for (int j = 0; j < c.in(); j++) {
                    s += c.x()[xb + j] * d[j];
                }
                total += s * s;
            }
        }
        return total;
    }

    static Path dir() {
        return GptqGoldenInputs.DIR;
    }

    private static DataInputStream open(Path p) throws IOException {
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(Files.newInputStream(p))));
    }

    static Case readCase(String name) throws IOException {
        try (DataInputStream d = open(dir().resolve(name + "-inputs.bin.gz"))) {
            byte[] magic = new byte[8];
            d.readFully(magic);
            assertEquals("MQGPTQI1", new String(magic, java.nio.charset.StandardCharsets.US_ASCII));
            int kind = d.readUnsignedByte();
            if (kind == 0) {
                int out = d.readInt();
                int in = d.readInt();
                int rows = d.readInt();
                return new Case(name, floats(d, out * in), out, in, floats(d, rows * in), rows);
            }
            int out = d.readInt();
            int cin = d.readInt();
            int k = d.readInt();
            int stride = d.readInt();
            int pad = d.readInt();
            int n = d.readInt();
            int hgt = d.readInt();
            int wid = d.readInt();
            float[] w = floats(d, out * cin * k * k);
            float[] act = floats(d, n * cin * hgt * wid);
            ConvSpec spec = new ConvSpec("c", "bn", cin, out, k, stride, pad, 1);
            Gptq.Unfolded u = Gptq.unfold(act, new long[] {n, cin, hgt, wid}, spec, Integer.MAX_VALUE, 0);
            return new Case(name, w, out, cin * k * k, u.groups().get(0), u.rows());
        }
    }

    private static float[] floats(DataInputStream d, int n) throws IOException {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = d.readFloat();
        }
        return v;
    }

    private static List<Config> readGolden(String name, Case c) throws IOException {
        try (DataInputStream d = open(dir().resolve(name + "-golden.bin.gz"))) {
            byte[] magic = new byte[8];
            d.readFully(magic);
            assertEquals("MQGPTQG1", new String(magic, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(c.out(), d.readInt());
            assertEquals(c.in(), d.readInt());
            int n = d.readInt();
            List<Config> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int bits = d.readUnsignedByte();
                Scheme scheme = d.readUnsignedByte() == 0 ? Scheme.ASYMMETRIC : Scheme.SYMMETRIC;
                boolean act = d.readUnsignedByte() != 0;
                int group = d.readInt();
                boolean statik = d.readUnsignedByte() != 0;
                int block = d.readInt();
                double damp = d.readDouble();
                byte[] codes = new byte[c.out() * c.in()];
                d.readFully(codes);
                out.add(new Config(bits, scheme, act, group, statik, block, damp, codes, d.readDouble(),
                        d.readDouble()));
            }
            return out;
        }
    }
}
