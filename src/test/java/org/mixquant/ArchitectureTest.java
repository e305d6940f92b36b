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
 * one way), and only the rapaio adapter imports the kernel. {@code io} (safe output files) is a bottom package like
 * {@code tensor}: it depends on nothing, and every package that writes files may use it.
 */
class ArchitectureTest {
    static final Path MAIN = Path.of("src/main/java/org/mixquant");

    /** Toolkit packages each package may import (besides itself), from DESIGN.md. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("io", Set.of()),
            Map.entry("tensor", Set.of()),
            Map.entry("data", Set.of()),
            Map.entry("quant", Set.of("io", "tensor")),
            Map.entry("model", Set.of("io", "tensor")),
            Map.entry("search", Set.of("io", "tensor", "quant", "model")),
            Map.entry("methods", Set.of("io", "tensor", "data", "quant", "model", "search")),
            // search for the CostTable it fills and the Progress callback
            Map.entry("sensitivity", Set.of("io", "tensor", "data", "quant", "model", "methods", "search")),
            Map.entry("eval", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity")),
            Map.entry("notebook", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity",
                    "eval")),
            Map.entry("cli", Set.of("io", "tensor", "data", "quant", "model", "search", "methods", "sensitivity",
                    "eval",
                    "notebook")));

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
                        if (!used.equals(pkg) && !allowed.contains(used)) {
                            violations.add(f + " uses org.mixquant." + used);
                        }
                    }
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
