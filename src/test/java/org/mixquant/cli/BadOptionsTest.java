package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.TinyOnnx;

/**
 * Option values out of range (issue 13, "options"): every one is a usage error (exit 2) found while the command line
 * is parsed, before any model is loaded, with one line naming the option and the value; values that can run but not
 * as asked (too many threads, a threshold no layer meets, more images than exist, options for another kind of model)
 * run with a warning on stderr.
 */
class BadOptionsTest {
    @TempDir
    Path dir;

    /** A model path that does not exist: if the option were not checked first, the run would fail on the model. */
    String absent() {
        return dir.resolve("absent.onnx").toString();
    }

    Path tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
    }

    /** Runs {@code args}, asserts a one-line usage error naming {@code option} and {@code value}, before any work. */
    static void assertUsageError(String option, String value, String... args) {
        CliHarness.Run r = CliHarness.run(args);
        r.assertOneLineError(ExitCodes.USAGE, option, value);
        assertFalse(r.err().contains("loaded "), () -> "the option must fail before the model loads: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void searchRuleValuesOutOfRangeAreUsageErrors() {
        String m = absent();
        assertUsageError("--avg-bits", "1.9", "search", m, "--avg-bits", "1.9");
        assertUsageError("--avg-bits", "8.5", "search", m, "--avg-bits", "8.5");
        assertUsageError("--avg-bits", "NaN", "search", m, "--avg-bits", "NaN");
        assertUsageError("--qem", "0.5", "search", m, "--qem", "0.5");
        assertUsageError("--qem", "Infinity", "search", m, "--qem", "Infinity");
        assertUsageError("--max-rel-error", "0", "search", m, "--max-rel-error", "0");
        assertUsageError("--max-rel-error", "1.5", "search", m, "--max-rel-error", "1.5");
        assertUsageError("--max-rel-error", "abc", "search", m, "--max-rel-error", "abc");
    }

    @Test
    void fixedLayersMessageIsNotWhatABadBudgetSays() throws Exception {
        // issue 13: '--avg-bits 1.9' used to fail with "the fixed layers {} need more than the budget"
        CliHarness.Run r = CliHarness.run("search", tiny().toString(), "--avg-bits", "1.9");
        r.assertOneLineError(ExitCodes.USAGE, "--avg-bits", "1.9");
        assertEquals("mixquant: --avg-bits must be between 2 and 8, got 1.9", r.errLines().get(0));
    }

    @Test
    void threadsBelowOneIsAUsageErrorInEverySubcommand() {
        String m = absent();
        assertUsageError("--threads", "0", "layers", m, "--threads", "0");
        assertUsageError("--threads", "0", "qe", m, "--threads", "0");
        assertUsageError("--threads", "-3", "search", m, "--qem", "2", "--threads", "-3");
        assertUsageError("--threads", "0", "evaluate", m, "--bits", "4", "--threads", "0");
        assertUsageError("--threads", "0", "compare", m, "--threads", "0");
        assertUsageError("--threads", "0", "report", "--threads", "0");
        assertUsageError("--threads", "0", "bench", "--threads", "0");
        assertUsageError("--threads", "0", "train", "--arch", "resnet20", "--threads", "0");
        assertUsageError("--threads", "99999999999", "qe", m, "--threads", "99999999999");
    }

    @Test
    void evaluateValuesOutOfRangeAreUsageErrors() {
        String m = absent();
        assertUsageError("--bits", "9", "evaluate", m, "--bits", "9");
        assertUsageError("--images", "-1", "evaluate", m, "--bits", "4", "--images", "-1");
        assertUsageError("--corpus-size", "5", "evaluate", m, "--bits", "4", "--corpus-size", "5");
        assertUsageError("--max-tokens", "2", "evaluate", m, "--bits", "4", "--max-tokens", "2");
        assertUsageError("--max-tokens", "100000", "evaluate", m, "--bits", "4", "--max-tokens", "100000");
    }

    @Test
    void corpusSizeBeyondTheCorpusNamesWhatExists() throws Exception {
        // used to be an OutOfMemoryError stack trace
        int available = org.mixquant.data.FortuneCorpus.count();
        CliHarness.Run r = CliHarness.run("evaluate", absent(), "--bits", "4", "--corpus-size", "2147483647");
        r.assertOneLineError(ExitCodes.USAGE, "--corpus-size", "2147483647",
                "--corpus-size must be at most " + available + ", the texts the fortune corpus");
        assertUsageError("--corpus-size", Integer.toString(available + 1), "evaluate", absent(), "--bits", "4",
                "--corpus-size", Integer.toString(available + 1));
    }

    @Test
    void reportValuesOutOfRangeFailBeforeAnyWork() throws Exception {
        Path out = dir.resolve("report");
        Map<String, String> before = CliHarness.snapshot(dir);
        String o = out.toString();
        assertUsageError("--uniform", "9", "report", "-o", o, "--uniform", "9");
        assertUsageError("--cnn-uniform", "1", "report", "-o", o, "--cnn-uniform", "8,1");
        assertUsageError("--avg-bits", "1.9", "report", "-o", o, "--avg-bits", "4,1.9");
        assertUsageError("--qem", "0.5", "report", "-o", o, "--qem", "0.5");
        assertUsageError("--max-rel-error", "2", "report", "-o", o, "--max-rel-error", "2");
        assertUsageError("--images", "-5", "report", "-o", o, "--images", "-5");
        assertUsageError("--max-tokens", "2", "report", "-o", o, "--max-tokens", "2");
        // used to fail only after the whole MiniLM part had run
        assertUsageError("--cnn", "resnet56", "report", "-o", o, "--cnn", "resnet20-fashion,resnet56");
        assertEquals(before, CliHarness.snapshot(dir), "a rejected report writes nothing");
    }

    @Test
    void qeBitsOutOfRangeNameTheOption() {
        // used to say "bits must be between 2 and 8, got 9" without naming --bits
        assertUsageError("--bits", "9", "qe", absent(), "--bits", "9");
        assertUsageError("--bits", "3,9", "qe", absent(), "--bits", "3,9");
    }

    @Test
    void compareValuesOutOfRangeAreUsageErrors() {
        String m = absent();
        assertUsageError("--bits", "9", "compare", m, "--bits", "4,9");
        assertUsageError("--avg-bits", "1.9", "compare", m, "--avg-bits", "1.9");
        assertUsageError("--qem", "0", "compare", m, "--qem", "0");
        assertUsageError("--max-rel-error", "0", "compare", m, "--max-rel-error", "0");
        assertUsageError("--iterations", "0", "compare", m, "--iterations", "0");
        // used to be an OutOfMemoryError stack trace once the model had loaded (one planned batch per step)
        assertUsageError("--iterations", "2147483647", "compare", m, "--iterations", "2147483647");
        assertUsageError("--calibration", "0", "compare", m, "--calibration", "0");
        // used to overflow into "corpus size must be ≥ 1, got -2147483137" after the model loaded
        assertUsageError("--calibration", "2147483647", "compare", m, "--calibration", "2147483647");
        assertUsageError("--batch", "0", "compare", m, "--batch", "0");
        assertUsageError("--lambda", "-1", "compare", m, "--lambda", "-1");
        assertUsageError("--lambda", "NaN", "compare", m, "--lambda", "NaN");
        assertUsageError("--first-last-bits", "1", "compare", m, "--first-last-bits", "1");
        assertUsageError("--images", "-1", "compare", m, "--images", "-1");
    }

    /** frontier takes compare's learned-rounding options (one declaration), with the same ranges. */
    @Test
    void frontierMethodOptionsHaveCompareRanges() {
        String m = absent();
        assertUsageError("--iterations", "0", "frontier", m, "--method", "adaround", "--iterations", "0");
        assertUsageError("--calibration", "0", "frontier", m, "--calibration", "0");
        assertUsageError("--batch", "0", "frontier", m, "--method", "brecq", "--batch", "0");
        assertUsageError("--lambda", "-1", "frontier", m, "--lambda", "-1");
        assertUsageError("--first-last-bits", "1", "frontier", m, "--first-last-bits", "1");
        assertUsageError("--method", "omniquant", "frontier", m, "--method", "omniquant");
    }

    @Test
    void benchAndTrainValuesOutOfRangeAreUsageErrors() {
        assertUsageError("--repeats", "0", "bench", "--repeats", "0");
        assertUsageError("--repeats", "2147483647", "bench", "--repeats", "2147483647");
        assertUsageError("--warmup", "-1", "bench", "--warmup", "-1");
        assertUsageError("--rounds", "0", "bench", "adaround", "--rounds", "0");
        assertUsageError("--iterations", "0", "bench", "adaround", "--iterations", "0");
        assertUsageError("--rounds", "0", "bench", "--adaround", "--rounds", "0");
        assertUsageError("--iterations", "0", "bench", "--adaround", "--iterations", "0");
        assertUsageError("--epochs", "0", "train", "--arch", "resnet20", "--epochs", "0");
    }

    @Test
    void moreThreadsThanCoresAreCappedWithAWarning() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        CliHarness.Run r = CliHarness.run("qe", tiny().toString(), "--threads", "1000", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.err().contains("warning: --threads 1000 is more than the " + cores + " cores; using " + cores),
                r.err());
        assertEquals(1, r.errLines().size(), "one warning, even with --quiet: " + r.err());
    }

    @Test
    void aRelativeErrorNoLayerMeetsSaysSo() throws Exception {
        CliHarness.Run r = CliHarness.run("search", tiny().toString(), "--max-rel-error", "1e-30", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.err().contains("warning: --max-rel-error 1.0E-30: 2 of 2 layers of " + tiny()
                + " exceed it even at 8 bits; they get 8 bits"), r.err());
        CliHarness.Run fine = CliHarness.run("search", tiny().toString(), "--max-rel-error", "0.5", "-q");
        assertEquals("", fine.err(), "no warning when the layers meet the threshold");
    }

    @Test
    void imagesOnATextModelAreReportedAsIgnored() throws Exception {
        // the tiny MLP is no text encoder, so the run fails after the warning; the warning is what is checked
        CliHarness.Run r = CliHarness.run("evaluate", tiny().toString(), "--bits", "4", "--images", "100",
                "--corpus-size", "16", "-q");
        assertTrue(r.err().contains("warning: --images applies to the Fashion-MNIST CNNs only; ignored for "
                + tiny()), r.err());
    }

    @Test
    void corpusOptionsOnACnnAreReportedAsIgnored() {
        CliHarness.Run r = CliHarness.run("evaluate", "resnet20-fashion", "--bits", "8", "--images", "64",
                "--corpus-size", "64", "--format", "csv", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.err().contains("warning: --corpus-size applies to text models only; ignored for"
                + " resnet20-fashion"), r.err());
        assertFalse(r.err().contains("--max-tokens"), "only the option given is named: " + r.err());
    }

    @Test
    void moreImagesThanTheTestSetHasSaysSo() throws Exception {
        ImagesMixin images = new ImagesMixin();
        images.images = 20_000;
        java.io.StringWriter err = new java.io.StringWriter();
        BaseCommand cmd = probe(err);
        assertEquals(10_000, images.testImages(cmd).size());
        assertTrue(err.toString().contains("warning: --images 20000 is more than the 10,000 Fashion-MNIST test"
                + " images; using all 10,000"), err.toString());
        images.images = 10_000;
        java.io.StringWriter quiet = new java.io.StringWriter();
        images.testImages(probe(quiet));
        assertEquals("", quiet.toString());
    }

    /** A command whose stderr is {@code err}, for mixin methods that warn through it. */
    static BaseCommand probe(java.io.StringWriter err) {
        @picocli.CommandLine.Command(name = "probe")
        final class Probe extends BaseCommand {
            @Override
            public Integer call() {
                return 0;
            }
        }
        Probe p = new Probe();
        picocli.CommandLine cl = new picocli.CommandLine(p);
        cl.setErr(new java.io.PrintWriter(err, true));
        return p;
    }

    @Test
    void compareListWithoutValuesOrWithRepeatsIsAUsageError() {
        // '--methods ,' ran every method (30 s on a tiny model); 'asym,asym' and '--bits 4,4' printed rows twice
        String m = absent();
        assertUsageError("--methods", "no method", "compare", m, "--methods", ",");
        assertUsageError("--methods", "nearest", "compare", m, "--methods", "asym,ASYM");
        assertUsageError("--methods", "nearest", "compare", m, "--methods", "nearest,asym");
        assertUsageError("--bits", "4", "compare", m, "--bits", "4,3,4");
        assertUsageError("--avg-bits", "3.5", "compare", m, "--avg-bits", "3.5,3.50");
        assertUsageError("--qem", "20", "compare", m, "--qem", "20,20");
    }

    @Test
    void unknownSchemeOrGranularityNamesTheChoicesNotAJavaClass() {
        // was: "cannot convert 'foo' to Scheme (java.lang.IllegalArgumentException: unknown scheme 'foo' ...)"
        String m = absent();
        CliHarness.Run r = CliHarness.run("evaluate", m, "--bits", "4", "--scheme", "foo");
        r.assertOneLineError(ExitCodes.USAGE, "--scheme", "'foo'", "asymmetric or symmetric");
        assertFalse(r.err().contains("java.lang"), r.err());
        CliHarness.Run g = CliHarness.run("qe", m, "--granularity", "per-row");
        g.assertOneLineError(ExitCodes.USAGE, "--granularity", "'per-row'", "per-channel, per-tensor or per-group");
        assertFalse(g.err().contains("java.lang"), g.err());
    }

    @Test
    void groupSizeNeedsPerGroupAndMustBePositive() {
        String m = absent();
        // the model does not exist: the options must fail first (exit 2, before any loading)
        assertUsageError("--group-size", "per-group", "qe", m, "--group-size", "64");
        assertUsageError("--group-size", "per-group", "evaluate", m, "--bits", "4", "--granularity", "per-channel",
                "--group-size", "64");
        assertUsageError("--group-size", "per-group", "compare", m, "--granularity", "per-tensor", "--group-size",
                "32");
        assertUsageError("--group-size", "got 0", "qe", m, "--granularity", "per-group", "--group-size", "0");
        assertUsageError("--group-size", "got -8", "qe", m, "--granularity", "per-group", "--group-size", "-8");
    }
}
