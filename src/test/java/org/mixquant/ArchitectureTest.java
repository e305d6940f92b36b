package org.mixquant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps DESIGN.md's package table true: each package imports only the toolkit packages it is allowed to (data flows
 * one way), and third-party libraries stay in the packages that own them (no DJL in {@code data}, {@code search} or
 * {@code quant}; charts and tables only in {@code notebook} and {@code cli}; the kernel only in the rapaio adapter).
 * Two rows DESIGN.md does not have yet: {@code io} (safe output files) is a bottom package like {@code tensor} that
 * every package which writes files may use; {@code sensitivity} may use {@code search}, the owner of the cost table it
 * fills (a lower row using a higher one, as the table's rule allows).
 */
class ArchitectureTest {
    static final Path MAIN = Path.of("src/main/java/org/mixquant");

    /** Toolkit packages each package may import (besides itself and {@code progress}), from DESIGN.md. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("progress", Set.of()),
            Map.entry("io", Set.of()),
            Map.entry("tensor", Set.of()),
            Map.entry("data", Set.of("io")),
            Map.entry("quant", Set.of("io", "tensor")),
            Map.entry("model", Set.of("io", "tensor", "data")),
            Map.entry("search", Set.of("io", "tensor", "quant", "model")),
            Map.entry("methods", Set.of("io", "tensor", "data", "quant", "model")),
            Map.entry("sensitivity", Set.of("io", "tensor", "data", "quant", "model", "methods", "search")),
            Map.entry("eval", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity")),
            Map.entry("train", Set.of("io", "tensor", "data", "model")),
            Map.entry("notebook", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity",
                    "eval", "train")),
            Map.entry("cli", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity",
                    "eval", "train", "notebook")));

    /** Third-party import prefixes and the only packages that may use them. */
    static final Map<String, Set<String>> THIRD_PARTY = Map.ofEntries(
            Map.entry("ai.djl.", Set.of("model", "methods", "sensitivity", "eval", "train", "cli")),
            Map.entry("ai.onnxruntime.", Set.of("model", "sensitivity", "eval", "cli")),
            Map.entry("ai.onnx.", Set.of("model")),
            Map.entry("com.google.protobuf.", Set.of("model")),
            Map.entry("org.knowm.xchart.", Set.of("notebook")),
            Map.entry("tech.tablesaw.", Set.of("notebook", "cli")),
            Map.entry("picocli.", Set.of("cli")),
            Map.entry("org.apache.commons.math3.", Set.of("eval")),
            Map.entry("org.ejml.", Set.of("methods")),
            Map.entry("org.rapaio.", Set.of("notebook")),
            // the SIMD error sweep; an incubator module, so only the one class below may name it
            Map.entry("jdk.incubator.vector.", Set.of("quant")));

    /**
     * The only file that may refer to {@code jdk.incubator.vector}: the JVM loads it only when the module is present
     * (quant.SweepKernel), so a JVM without the module falls back to the scalar sweep.
     */
    static final Path VECTOR_API_USER = MAIN.resolve("quant/VectorSweep.java");

    static final Pattern ANY_IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

    static final Pattern IMPORT = Pattern.compile("^import (?:static )?org\\.mixquant\\.(\\w+)", Pattern.MULTILINE);
    static final Pattern QUALIFIED = Pattern.compile("\\borg\\.mixquant\\.(\\w+)\\.[A-Z]");

    @Test
    void packagesDependOnlyOnTheRowsAboveThem() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                if (pkg.endsWith(".java")) {
                    continue;
                }
                String src = Files.readString(f);
                Set<String> allowed = ALLOWED.get(pkg);
                assertTrue(allowed != null, "package " + pkg + " is not in DESIGN.md's table: " + f);
                for (Pattern pat : List.of(IMPORT, QUALIFIED)) {
                    Matcher m = pat.matcher(src);
                    while (m.find()) {
                        String used = m.group(1);
                        if (!used.equals(pkg) && !used.equals("progress") && !allowed.contains(used)) {
                            violations.add(f + " uses org.mixquant." + used);
                        }
                    }
                }
                Matcher imp = ANY_IMPORT.matcher(src);
                while (imp.find()) {
                    String name = imp.group(1);
                    for (Map.Entry<String, Set<String>> lib : THIRD_PARTY.entrySet()) {
                        if (name.startsWith(lib.getKey()) && !lib.getValue().contains(pkg)) {
                            violations.add(f + " imports " + name + " (" + lib.getKey() + "* belongs to "
                                    + lib.getValue() + ")");
                        }
                    }
                }
                if (src.contains("jdk.incubator.vector.") && !f.equals(VECTOR_API_USER)) {
                    violations.add(f + " refers to jdk.incubator.vector: only " + VECTOR_API_USER + " may (the"
                            + " scalar fallback must run without the module)");
                }
                if (f.toString().contains("/methods/rounding/")
                        && Pattern.compile("org\\.mixquant\\.methods\\.[A-Z]").matcher(src).find()) {
                    violations.add(f + " refers to org.mixquant.methods: the rounding loop is below the methods that"
                            + " use it");
                }
                boolean adapter = f.toString().contains("/notebook/rapaio/");
                if (!adapter && src.contains("org.rapaio")) {
                    violations.add(f + " refers to the rapaio kernel outside notebook.rapaio");
                }
            }
        }
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }
}
