package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The CNN branch of {@code evaluate}, driven through a stand-in subcommand until EvaluateCommand calls it. */
class CnnEvaluationTest {
    @Command(name = "cnn-eval")
    static final class Probe extends BaseCommand {
        @Option(names = "--model")
        String model;

        @Option(names = "--bits")
        int bits;

        @Mixin
        FormatMixin format;

        @Override
        public Integer call() throws Exception {
            CnnModel m = (CnnModel) loadModel(model);
            BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), bits, Scheme.ASYMMETRIC,
                    Granularity.PER_CHANNEL);
            return CnnEvaluation.run(this, m, plan, new NearestRounding(), format.format,
                    org.mixquant.data.FashionMnist.load(org.mixquant.data.FashionMnist.Split.TEST).head(500));
        }
    }

    static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        CommandLine cl = MixQuantCli.create(o, e);
        cl.addSubcommand("cnn-eval", new Probe());
        cl.setOut(o);
        cl.setErr(e);
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void jsonReportsAccuracyNextToSize() throws Exception {
        String[] r = run("cnn-eval", "--model", "resnet20-fashion", "--bits", "4", "--format", "json", "-q");
        assertEquals("0", r[0], r[2]);
        JsonNode j = BaseCommand.JSON.readTree(r[1]);
        assertEquals("resnet20-fashion", j.get("model").asText());
        assertEquals(4.0, j.get("averageBits").asDouble(), 0);
        assertEquals(500, j.get("accuracy").get("images").asInt());
        double top1 = j.get("accuracy").get("top1").asDouble();
        double fp32 = j.get("accuracy").get("fp32Top1").asDouble();
        assertTrue(fp32 > 0.85 && top1 > 0.5 && top1 <= 1, r[1]);
        assertEquals(100 * (fp32 - top1), j.get("accuracy").get("dropPoints").asDouble(), 1e-9);
        assertEquals(270_608, j.get("size").get("quantizedParams").asLong());
        assertEquals(794, j.get("size").get("otherParams").asLong());
    }

    @Test
    void tableShowsFp32AndQuantizedRows() {
        String[] r = run("cnn-eval", "--model", "mobilenetv2-fashion", "--bits", "8", "-q");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("top1_%") && r[1].contains("fp32") && r[1].contains("uniform"), r[1]);
        assertTrue(r[1].contains("first 500 Fashion-MNIST test images"), r[1]);
    }
}
