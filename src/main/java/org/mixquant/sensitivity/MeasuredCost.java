package org.mixquant.sensitivity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.progress.Progress;

/**
 * The {@code measured} cost table: for every layer i and bits b in 2..8, the {@link Distortion} of the FP32 model with
 * only layer i quantized at b (min-max scales, round to nearest half-to-even, the given scheme and granularity) —
 * layers × 7 runs over the calibration data (ZeroQ, Cai et al. 2020).
 *
 * <p>Tables are cached as JSON under {@code $MIXQUANT_CACHE_DIR/sensitivity} (default
 * {@code ~/.cache/mixquant/sensitivity}), keyed by the SHA-256 of the model hash, scheme, granularity, metric and
 * calibration set. A cache that cannot be read is recomputed; one that cannot be written is reported to the warning
 * callback and the table is still returned.
 */
public final class MeasuredCost {
    /** Bumped when the table's meaning changes, so old cache files are not reused. */
    static final String VERSION = "measured-v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MeasuredCost() {
    }

    /** Where tables are cached: {@code $MIXQUANT_CACHE_DIR/sensitivity} or {@code ~/.cache/mixquant/sensitivity}. */
    public static Path cacheDir() {
        String env = System.getenv("MIXQUANT_CACHE_DIR");
        Path root = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "mixquant");
        return root.resolve("sensitivity");
    }

    /**
     * The measured table of {@code fp32}, from the cache in {@link #cacheDir()} when present.
     *
     * @param progress told after each layer ({@code done} = layers finished)
     * @param warn     told, in one line, when the cache cannot be written
     */
    public static CostTable table(QuantizableModel fp32, Distortion d, Scheme scheme, Granularity granularity,
            Progress progress, Consumer<String> warn) {
        return table(fp32, d, scheme, granularity, progress, warn, cacheDir());
    }

    /** {@link #table(QuantizableModel, Distortion, Scheme, Granularity, Progress, Consumer)} with a cache folder. */
    public static CostTable table(QuantizableModel fp32, Distortion d, Scheme scheme, Granularity granularity,
            Progress progress, Consumer<String> warn, Path cacheDir) {
        String key = key(d, scheme, granularity);
        Path file = cacheDir == null ? null : cacheDir.resolve(key + ".json");
        if (file != null && Files.isRegularFile(file)) {
            try {
                CostTable t = read(file, fp32);
                progress.update("measured cost (cached)", fp32.layers().size(), fp32.layers().size());
                return t;
            } catch (IOException | RuntimeException e) {
                warn.accept("ignoring unreadable sensitivity cache " + file + ": " + e.getMessage());
            }
        }
        CostTable t = compute(fp32, d, scheme, granularity, progress);
        if (file != null) {
            try {
                write(file, t);
            } catch (IOException | RuntimeException e) {
                warn.accept("could not cache the measured cost table in " + file.getParent() + " (" + e
                        + "); continuing without the cache");
            }
        }
        return t;
    }

    /** Computes the table without any cache. */
    public static CostTable compute(QuantizableModel fp32, Distortion d, Scheme scheme, Granularity granularity,
            Progress progress) {
        return compute(fp32, fp32.layers(), d, scheme, granularity, progress);
    }

    /**
     * The table of some of {@code fp32}'s layers ({@code layers}, in the order given; asking them in model order lets
     * a distortion reuse FP32 work between neighbours), without any cache: what benchmarks time.
     */
    public static CostTable compute(QuantizableModel fp32, List<Layer> layers, Distortion d, Scheme scheme,
            Granularity granularity, Progress progress) {
        long t0 = System.nanoTime();
        LayerCosts.Filled t = LayerCosts.fill(layers, scheme, granularity,
                (i, l, q) -> d.measureLayer(fp32, l.name(), q), progress, "measured cost");
        int n = t.names().size();
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("metric", d.metric());
        prov.put("calibration", d.calibration());
        prov.put("samples", d.samples());
        prov.put("quantizer", "nearest " + scheme.cliName() + " " + granularity.label() + " min-max,"
                + " one layer at a time");
        prov.put("modelSha256", d.modelHash());
        prov.put("passes", n * Bits.COUNT);
        prov.put("seconds", secs);
        return CostTable.of(CostKind.MEASURED, fp32.source(), scheme, granularity, t.names(), t.params(), t.cost(), prov,
                secs);
    }

    static String key(Distortion d, Scheme scheme, Granularity granularity) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            String s = VERSION + "\n" + d.modelHash() + "\n" + scheme.cliName() + "\n" + granularity.label() + "\n"
                    + d.metric() + "\n" + d.calibration();
            md.update(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(Path file, CostTable t) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", VERSION);
        root.put("model", t.model());
        root.put("scheme", t.scheme().cliName());
        root.put("granularity", t.granularity().label());
        root.put("seconds", t.seconds());
        root.set("provenance", JSON.valueToTree(t.provenance()));
        ArrayNode ls = root.putArray("layers");
        for (int i = 0; i < t.size(); i++) {
            ObjectNode o = ls.addObject();
            o.put("name", t.layers().get(i));
            o.put("params", t.params(i));
            ArrayNode c = o.putArray("cost");
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                c.add(t.cost(i, b));
            }
        }
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".cost", ".tmp");
        try {
            Files.writeString(tmp, JSON.writeValueAsString(root));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a cached table, checking it belongs to {@code fp32}'s layers. */
    @SuppressWarnings("unchecked")
    static CostTable read(Path file, QuantizableModel fp32) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(file));
        if (!VERSION.equals(root.path("format").asText())) {
            throw new IOException("unexpected format " + root.path("format"));
        }
        List<Layer> layers = fp32.layers();
        JsonNode ls = root.path("layers");
        if (ls.size() != layers.size()) {
            throw new IOException("has " + ls.size() + " layers, the model " + layers.size());
        }
        int n = layers.size();
        double[][] cost = new double[n][Bits.COUNT];
        long[] params = new long[n];
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            JsonNode o = ls.get(i);
            if (!o.path("name").asText().equals(layers.get(i).name()) || o.path("params").asLong() != layers.get(i)
                    .params() || o.path("cost").size() != Bits.COUNT) {
                throw new IOException("layer " + i + " does not match the model");
            }
            names.add(layers.get(i).name());
            params[i] = layers.get(i).params();
            for (int k = 0; k < Bits.COUNT; k++) {
                cost[i][k] = o.path("cost").get(k).asDouble();
            }
        }
        Map<String, Object> prov = JSON.convertValue(root.path("provenance"), LinkedHashMap.class);
        prov.put("cachedIn", file.toString());
        return CostTable.of(CostKind.MEASURED, fp32.source(), Scheme.parse(root.path("scheme").asText()),
                Granularity.parse(root.path("granularity").asText()), names, params, cost, prov,
                root.path("seconds").asDouble());
    }
}
