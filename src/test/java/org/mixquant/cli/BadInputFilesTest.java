package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.cli.CliHarness.Run;
import org.mixquant.data.FashionMnist;
import org.mixquant.data.IdxFiles;
import org.mixquant.model.TinyOnnx;
import org.mixquant.model.onnx.SyntheticTransformer;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/**
 * Hostile user files (issue 13): each defect fails with its exit code and one line that names the file, field or
 * option, and leaves every input file as it was.
 */
class BadInputFilesTest {
    @TempDir
    Path dir;

    Path tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
    }

    /** Runs the command, checks its one-line error and that nothing under {@code dir} changed. */
    Run failsWithoutTouchingInputs(int code, List<String> args, String... fragments) throws Exception {
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = CliHarness.run(args.toArray(String[]::new));
        r.assertOneLineError(code, fragments);
        assertEquals(before, CliHarness.snapshot(dir), "the run changed files under " + dir);
        assertEquals("", r.out());
        return r;
    }

    // --- 1. IDX / gzip -----------------------------------------------------------------------------------------

    @Test
    void corruptedFashionMnistGzipIsAnError() throws Exception {
        Path data = Files.createDirectories(dir.resolve("fmnist"));
        IdxFiles.writeSplit(data, FashionMnist.Split.TRAIN, 30);
        IdxFiles.writeSplit(data, FashionMnist.Split.TEST, 20);
        IdxFiles.writeFlippedLabels(data, FashionMnist.Split.TEST, 20);
        Path out = dir.resolve("out");
        failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("train", "--arch", "resnet20", "--data",
                data.toString(), "--out", out.toString(), "-q"), FashionMnist.Split.TEST.labelsFile(), "corrupt");
        assertFalse(Files.exists(out));
    }

    @Test
    void emptyLabelsFileNamesTheFile() throws Exception {
        Path data = Files.createDirectories(dir.resolve("fmnist"));
        IdxFiles.writeSplit(data, FashionMnist.Split.TRAIN, 30);
        Files.write(data.resolve(FashionMnist.Split.TRAIN.labelsFile()), new byte[0]);
        failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("train", "--arch", "resnet20", "--data",
                data.toString(), "--out", dir.resolve("out").toString(), "-q"),
                FashionMnist.Split.TRAIN.labelsFile(), "is empty");
    }

    // --- 2. colliding layer names -------------------------------------------------------------------------------

    @Test
    void collidingLayerNamesAreMadeUniqueWithAWarning() throws Exception {
        // node 0 is explicitly called MatMul_1; the unnamed MatMul at index 1 would get the same generated name
        Path model = new TinyOnnx().input("x", 1, 2).output("z", 1, 2).init("Wa", TinyOnnx.values(4, 7), 2, 2)
                .init("Wb", TinyOnnx.values(4, 8), 2, 2)
                .node("MatMul", "MatMul_1", List.of("x", "Wa"), List.of("y"))
                .node("MatMul", "", List.of("y", "Wb"), List.of("z")).write(dir, "dup.onnx");
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = CliHarness.run("layers", model.toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.out());
        java.util.Set<String> names = new java.util.HashSet<>();
        root.get("layers").forEach(l -> names.add(l.get("name").asText()));
        assertEquals(2, names.size(), r.out());
        assertEquals(1, root.get("warnings").size(), r.out());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().contains("[mixquant] warning: layer name 'MatMul_1'"),
                r.err());
        assertEquals(before, CliHarness.snapshot(dir));
    }

    // --- 4. ONNX declared sizes, pooled encoder output ------------------------------------------------------------

    @Test
    void onnxDeclaringAHugeTensorIsAnErrorNotAnOutOfMemory() throws Exception {
        for (long side : new long[] {46340, 46341}) {
            Path model = new TinyOnnx().input("x", 1, 2).output("y", 1, 2)
                    .initRaw("W", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, new byte[16], side, side)
                    .node("MatMul", "mm", List.of("x", "W"), List.of("y")).write(dir, "huge" + side + ".onnx");
            failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("layers", model.toString(), "-q"),
                    model.toString(), "'W'", String.valueOf(side));
        }
    }

    @Test
    void encoderWithPooledOutputIsEvaluated() throws Exception {
        // input_ids → Gather(E) → [batch, tokens, 4] → Gather(token 0, axis 1) → [batch, 4] → MatMul W
        int vocab = 30522; // the MiniLM tokenizer's ids, which the corpus uses
        byte[] zero = new byte[8];
        Path model = new TinyOnnx()
                .input("input_ids", ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64, -1, -1)
                .input("attention_mask", ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64, -1, -1)
                .output("sentence_embedding", 1, 4)
                .init("E", TinyOnnx.values(vocab * 4, 5), vocab, 4)
                .initRaw("first", ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64, zero)
                .init("W", TinyOnnx.values(16, 6), 4, 4)
                .node("Gather", "emb", List.of("E", "input_ids"), List.of("tokens"))
                .node("Gather", "cls", List.of("tokens", "first"), List.of("cls"), "axis", 1)
                .node("MatMul", "proj/MatMul", List.of("cls", "W"), List.of("sentence_embedding"))
                .write(dir, "pooled.onnx");
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = CliHarness.run("evaluate", model.toString(), "--bits", "8", "--corpus-size", "16", "--format", "json",
                "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        double cos = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("fidelity")
                .get("meanCosine").asDouble();
        org.junit.jupiter.api.Assertions.assertTrue(cos > 0.99, "8-bit weights keep the embedding: " + cos);
        assertEquals(before, CliHarness.snapshot(dir));
    }

    // --- 5. non-FP32 weights -------------------------------------------------------------------------------------

    @Test
    void fp16WeightsAreListedAsSkipped() throws Exception {
        Path model = new TinyOnnx().input("x", 1, 4).output("z", 1, 2).init("W1", TinyOnnx.values(12, 1), 4, 3)
                .initRaw("Wh", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16, new byte[12], 3, 2)
                .node("MatMul", "fc1", List.of("x", "W1"), List.of("h"))
                .node("MatMul", "fc2", List.of("h", "Wh"), List.of("z")).write(dir, "half.onnx");
        Map<String, String> before = CliHarness.snapshot(dir);
        Run table = CliHarness.run("layers", model.toString(), "-q");
        assertEquals(ExitCodes.OK, table.code(), table.err());
        org.junit.jupiter.api.Assertions.assertTrue(table.out().contains("skipped (not FP32, not quantized): Wh"
                + " FLOAT16, 6 values, 12 bytes, node fc2"), table.out());
        Run json = CliHarness.run("layers", model.toString(), "--format", "json", "-q");
        com.fasterxml.jackson.databind.JsonNode sw = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.out()).get("skippedWeights");
        assertEquals(1, sw.size(), json.out());
        assertEquals("FLOAT16", sw.get(0).get("dataType").asText());
        assertEquals(12, sw.get(0).get("bytes").asLong());
        assertEquals(before, CliHarness.snapshot(dir));
    }

    // --- 6. non-finite weights -----------------------------------------------------------------------------------

    @Test
    void nanOrInfWeightIsAnErrorNamingTheLayer() throws Exception {
        float[][] bad = {{Float.NaN}, {Float.POSITIVE_INFINITY}, {Float.NEGATIVE_INFINITY}};
        for (int k = 0; k < bad.length; k++) {
            float[] w2 = TinyOnnx.values(6, 2);
            w2[4] = bad[k][0];
            Path model = TinyOnnx.mlp(TinyOnnx.values(12, 1), w2).write(dir, "nonfinite" + k + ".onnx");
            for (String cmd : new String[] {"layers", "qe"}) {
                failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of(cmd, model.toString(), "-q"), "'fc2/Gemm'",
                        "'W2'", String.valueOf(bad[k][0]));
            }
        }
    }

    // --- 3. plan JSON ------------------------------------------------------------------------------------------

    Path plan(String name, String json) throws Exception {
        return Files.writeString(dir.resolve(name), json);
    }

    String validPlan() throws Exception {
        return BitPlan.uniform(tiny().toString(), List.of("fc1/MatMul", "fc2/Gemm"), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL).toJson();
    }

    List<String> evaluate(Path plan, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("evaluate", tiny().toString(), "--plan",
                plan.toString(), "-q"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void planBitsBeyondIntRangeAreAnError() throws Exception {
        Path p = plan("big.json", validPlan().replace("\"fc1/MatMul\" : 4", "\"fc1/MatMul\" : 4294967300"));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(p), "fc1/MatMul", "4294967300");
    }

    @Test
    void planLayerListedTwiceIsAnError() throws Exception {
        Path p = plan("twice.json", validPlan().replace("\"fc2/Gemm\" : 4", "\"fc2/Gemm\" : 4, \"fc1/MatMul\" : 2"));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(p), "'fc1/MatMul'", "twice", p.toString());
    }

    @Test
    void planWithoutSchemeOrGranularityIsAnError() throws Exception {
        Path p = plan("noscheme.json", validPlan().replace("\"scheme\" : \"asymmetric\",", ""));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(p), "\"scheme\"");
        Path g = plan("nogran.json", validPlan().replace("\"granularity\" : \"per-channel\",", ""));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(g), "\"granularity\"");
    }

    @Test
    void schemeOptionThatContradictsThePlanIsAUsageError() throws Exception {
        Path p = plan("plan.json", validPlan());
        failsWithoutTouchingInputs(ExitCodes.USAGE, evaluate(p, "--scheme", "symmetric"), "--scheme symmetric",
                "asymmetric");
        failsWithoutTouchingInputs(ExitCodes.USAGE, evaluate(p, "--granularity", "per-tensor"),
                "--granularity per-tensor", "per-channel");
        assertEquals(ExitCodes.OK, CliHarness.run("layers", tiny().toString(), "-q").code());
    }

    @Test
    void planParamsOfTheWrongTypeNameTheField() throws Exception {
        Path p = plan("params.json", validPlan().replaceFirst("\"params\" : \\{[^}]*}", "\"params\" : 5"));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(p), "\"params\"", "JSON object");
    }

    @Test
    void planForAnotherModelIsAnError() throws Exception {
        Path p = plan("other.json", BitPlan.uniform("resnet20-fashion", List.of("fc1/MatMul", "fc2/Gemm"), 4,
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL).toJson());
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(p), "\"model\"", "resnet20-fashion", "tiny.onnx");
    }

    @Test
    void modelFileOrDirectoryAsPlanSaysNotABitPlan() throws Exception {
        Path model = tiny();
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(model), "not a bit plan JSON file",
                model.toString());
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(dir), "not a bit plan JSON file", "directory");
    }

    @Test
    void hugePlanFileIsRejectedBeforeReading() throws Exception {
        Path huge = dir.resolve("huge.json");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(BitPlan.MAX_FILE_BYTES + 1); // sparse; the snapshot must still hash it, so not 3 GB
        }
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(huge), huge.toString(), "MiB");
    }

    @Test
    void planWithContentAfterTheJsonObjectIsAnError() throws Exception {
        // a second document after the first was silently ignored (exit 0), even with other bits
        Path trailing = plan("trailing.json", validPlan() + " garbage");
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(trailing), trailing.toString(), "not valid JSON");
        Path twoDocs = plan("two.json", validPlan() + validPlan().replace(": 4", ": 8"));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(twoDocs), twoDocs.toString(), "not valid JSON");
    }

    @Test
    void fifoOrDeviceAsPlanOrModelIsAnErrorNotAHang() throws Exception {
        // a FIFO blocked the run forever; /dev/zero read for 20 s into an out-of-memory error
        // (outside dir: the snapshot of dir would itself block reading the FIFO)
        Path fifoDir = Files.createTempDirectory("mixquant-fifo");
        Path fifo = fifoDir.resolve("plan.fifo");
        try {
            Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
            assertEquals(0, mk.waitFor());
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
                failsWithoutTouchingInputs(ExitCodes.FAILURE, evaluate(fifo), fifo.toString(),
                        "not a regular file");
                failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("layers", fifo.toString(), "-q"),
                        fifo.toString(), "not a regular file");
                failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("layers", "/dev/zero", "-q"), "/dev/zero",
                        "not a regular file");
            });
        } finally {
            Files.deleteIfExists(fifo);
            Files.delete(fifoDir);
        }
    }

    @Test
    void damagedEmbeddingCacheEntryIsNotUsed() throws Exception {
        // a same-size cache file with flipped bytes was read as the FP32 embeddings: meanCosine 1.5e23, exit 0
        Path model = Files.write(dir.resolve("bert.onnx"), org.mixquant.model.TinyBert.bytes(1,
                org.mixquant.model.TinyBert.MINILM_VOCAB, Map.of()));
        Path cache = dir.resolve("cache");
        List<String> args = List.of("evaluate", model.toString(), "--bits", "4", "--corpus-size", "16", "--format",
                "json", "--cache-dir", cache.toString(), "-q");
        Run first = CliHarness.run(args.toArray(String[]::new));
        assertEquals(ExitCodes.OK, first.code(), first.err());
        List<Path> entries;
        try (java.util.stream.Stream<Path> s = Files.list(cache.resolve("embeddings"))) {
            entries = s.toList();
        }
        assertEquals(1, entries.size());
        byte[] b = Files.readAllBytes(entries.get(0));
        for (int i = b.length / 2; i < b.length / 2 + 64; i++) {
            b[i] ^= 0x5a;
        }
        Files.write(entries.get(0), b);
        Run second = CliHarness.run(args.toArray(String[]::new));
        assertEquals(ExitCodes.OK, second.code(), second.err());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(json.readTree(first.out()).get("fidelity"), json.readTree(second.out()).get("fidelity"));
        org.junit.jupiter.api.Assertions.assertTrue(second.err().contains("warning") && second.err().contains(
                "damaged"), second.err());
        Run third = CliHarness.run(args.toArray(String[]::new));
        assertEquals("", third.err(), "the damaged entry was replaced");
    }

    // --- external data (issue 12) ---------------------------------------------------------------------------------

    /**
     * A synthetic transformer with external data in {@code dir/ext}: d 16, 1 block, 16 embedding rows, so a data file
     * of 13,312 bytes whose last tensor (the FFN down-projection, 64 × 16) is at offset 9,216, 4,096 bytes long.
     */
    Path external() throws Exception {
        return new SyntheticTransformer(16, 1, 16, 1).write(dir.resolve("ext"), true, Progress.NONE);
    }

    @Test
    void aMissingExternalDataFileIsNamed() throws Exception {
        Path model = external();
        Path data = model.resolveSibling(SyntheticTransformer.DATA_FILE);
        Files.delete(data);
        failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("layers", model.toString(), "-q"), data.toString(),
                "does not exist");
    }

    @Test
    void aTruncatedExternalDataFileIsNamedWithOffsetAndLength() throws Exception {
        Path model = external();
        Path data = model.resolveSibling(SyntheticTransformer.DATA_FILE);
        Files.write(data, java.util.Arrays.copyOf(Files.readAllBytes(data), 13_312 - 1));
        failsWithoutTouchingInputs(ExitCodes.FAILURE, List.of("qe", model.toString(), "-q"), data.toString(),
                "13311 bytes", "offset 9216", "length 4096");
    }

    @Test
    void commandsThatRunTheWholeModelRefuseExternalDataBeforeAnyWork() throws Exception {
        Path model = external();
        for (List<String> args : List.of(List.of("evaluate", model.toString(), "--bits", "4"),
                List.of("export", model.toString(), "--bits", "4", "-o", dir.resolve("q.onnx").toString()),
                List.of("compare", model.toString(), "--bits", "4"),
                List.of("frontier", model.toString(), "--budgets", "4"))) {
            List<String> all = new java.util.ArrayList<>(args);
            all.add("-q");
            failsWithoutTouchingInputs(ExitCodes.FAILURE, all, "external data", "'" + args.get(0) + "'");
        }
    }
}
