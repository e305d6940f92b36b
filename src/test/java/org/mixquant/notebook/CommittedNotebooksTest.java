package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed notebooks' outputs are fit to read anywhere: no terminal colour codes and no paths of the machine that
 * ran them (tools/notebooks/clean_outputs.py, run by run-notebooks.sh --inplace, removes both).
 */
class CommittedNotebooksTest {
    /** Absolute paths that only exist on the machine that executed the notebook (system paths such as /usr/share are fine). */
    static final Pattern MACHINE_PATH = Pattern.compile("(?<![\\w.])/(?:work|tmp|root|home|var/folders)/\\S*|"
            + "/notebooks/\\.\\./|(?m)^Add \\S+ to classpath");

    @Test
    void outputsHaveNoColourCodesOrMachinePaths() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(Path.of("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "notebooks/ has notebooks");
        List<String> problems = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (Path nb : notebooks) {
            JsonNode cells = json.readTree(nb.toFile()).get("cells");
            for (int i = 0; i < cells.size(); i++) {
                JsonNode outputs = cells.get(i).get("outputs");
                if (outputs == null) {
                    continue;
                }
                for (JsonNode out : outputs) {
                    String text = textOf(out);
                    if (text.indexOf('\u001b') >= 0) {
                        problems.add(nb.getFileName() + " cell " + (i + 1) + ": terminal colour codes");
                    }
                    Matcher m = MACHINE_PATH.matcher(text);
                    if (m.find()) {
                        problems.add(nb.getFileName() + " cell " + (i + 1) + ": machine path " + m.group());
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** All text of one output: stream text, text/plain and text/html data, tracebacks (images are skipped). */
    static String textOf(JsonNode out) {
        StringBuilder sb = new StringBuilder();
        append(sb, out.get("text"));
        append(sb, out.get("traceback"));
        JsonNode data = out.get("data");
        if (data != null) {
            data.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("image/")) {
                    append(sb, e.getValue());
                }
            });
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, JsonNode n) {
        if (n == null) {
            return;
        }
        if (n.isArray()) {
            n.forEach(x -> sb.append(x.asText()));
        } else {
            sb.append(n.asText());
        }
    }
}
