package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mixquant.tensor.WeightTensor;

/**
 * Which kernel runs: the vector one where the JVM has {@code jdk.incubator.vector} (Surefire adds it), the scalar one
 * when the property forces it, and a clean fallback to scalar in a JVM without the module (a child JVM started
 * without {@code --add-modules}, which must never load {@code VectorSweep}).
 */
class SweepKernelTest {

    @Test
    void vectorIsPreferredWhereTheModuleIs() {
        assertTrue(SweepKernel.VECTOR.available(), "Surefire's argLine adds --add-modules jdk.incubator.vector");
        assertEquals(SweepKernel.VECTOR, SweepKernel.preferred(), "default with the module and no property");
        WeightTensor w = WeightTensor.of(new float[] {1f, -2f, 3f, 0.25f}, new int[] {2, 2}, 0);
        assertEquals(SweepKernel.VECTOR, ErrorSweep.prepare(w, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                SweepKernel.preferred()).kernel());
        assertEquals(SweepKernel.SCALAR, ErrorSweep.prepare(w, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL).kernel(),
                "a small tensor's default sweep is scalar (SweepKernel.forSweep)");
    }

    /** A whole-model sweep takes the vector kernel only when it is long enough to repay the JIT's start-up. */
    @Test
    void smallSweepsRunScalarLargeOnesVector() {
        assertEquals(SweepKernel.SCALAR, SweepKernel.forSweep(10_616_832L), "MiniLM's 10.6M weights");
        assertEquals(SweepKernel.SCALAR, SweepKernel.forSweep(SweepKernel.VECTOR_MIN_VALUES - 1));
        assertEquals(SweepKernel.VECTOR, SweepKernel.forSweep(SweepKernel.VECTOR_MIN_VALUES));
    }

    @Test
    void withoutTheModuleTheSweepFallsBackToScalar() throws Exception {
        Child r = runChild(List.of());
        assertEquals(0, r.exit(), r.output());
        assertEquals("preferred=SCALAR vectorAvailable=false", r.lines().get(0), r.output());
        assertEquals(expectedSse(), r.lines().get(1), "same SSE as the scalar kernel here: " + r.output());
        assertEquals("vector: IllegalStateException: the vector sweep needs the JVM option --add-modules"
                + " jdk.incubator.vector", r.lines().get(2), r.output());
        assertFalse(r.loaded("org.mixquant.quant.VectorSweep"), "VectorSweep never loaded: " + r.output());
        assertTrue(r.loaded("org.mixquant.quant.ErrorSweep"), "the class-load log works: " + r.output());
    }

    @Test
    void thePropertyForcesTheScalarKernel() throws Exception {
        Child r = runChild(List.of("--add-modules", "jdk.incubator.vector", "-D" + SweepKernel.PROPERTY + "=scalar"));
        assertEquals(0, r.exit(), r.output());
        assertEquals("preferred=SCALAR vectorAvailable=true", r.lines().get(0), r.output());
        assertEquals(expectedSse(), r.lines().get(1), r.output());
        assertEquals("vector: ran", r.lines().get(2), r.output());
    }

    @Test
    void anUnknownPropertyValueIsAnError() throws Exception {
        Child r = runChild(List.of("-D" + SweepKernel.PROPERTY + "=avx"));
        assertTrue(r.output().contains("-Dmixquant.sweep.kernel must be scalar or vector, got 'avx'"), r.output());
        assertTrue(r.exit() != 0, r.output());
    }

    /** The child's second line, computed here with the scalar kernel. */
    private static String expectedSse() {
        return sseLine(ErrorSweep.sweep(NoModuleMain.tensor(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                SweepKernel.SCALAR));
    }

    static String sseLine(ErrorSweep.Result r) {
        StringBuilder b = new StringBuilder("sse");
        for (double s : r.sse()) {
            b.append(' ').append(Double.toHexString(s));
        }
        return b.toString();
    }

    /** A child JVM's exit code and output (stdout and stderr, with -Xlog:class+load lines starting with '['). */
    record Child(int exit, String output) {
        /** The lines the child printed itself. */
        List<String> lines() {
            return output.lines().filter(l -> !l.startsWith("[") && !l.startsWith("WARNING: Using incubator"))
                    .toList();
        }

        /** Whether the class-load log names {@code className} as loaded. */
        boolean loaded(String className) {
            return output.lines().anyMatch(l -> l.startsWith("[") && l.contains(" " + className + " source:"));
        }
    }

    private static Child runChild(List<String> jvmOptions) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("-Xlog:class+load=info");
        cmd.add("-cp");
        cmd.add(Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Path.of("target", "test-classes").toAbsolutePath());
        cmd.add(NoModuleMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        return new Child(p.exitValue(), out);
    }

    /** The child JVM: prints the kernel choice, a sweep's SSE, and whether the VECTOR kernel runs. */
    static final class NoModuleMain {
        static WeightTensor tensor() {
            float[] x = new float[3 * 37];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37) * (i % 5 == 0 ? 3f : 1f);
            }
            return WeightTensor.of(x, new int[] {3, 37}, 0);
        }

        public static void main(String[] args) {
            System.out.println("preferred=" + SweepKernel.preferred() + " vectorAvailable="
                    + SweepKernel.VECTOR.available());
            System.out.println(sseLine(ErrorSweep.sweep(tensor(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)));
            try {
                ErrorSweep.sweep(tensor(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, SweepKernel.VECTOR);
                System.out.println("vector: ran");
            } catch (IllegalStateException e) {
                System.out.println("vector: IllegalStateException: " + e.getMessage());
            }
        }
    }
}
