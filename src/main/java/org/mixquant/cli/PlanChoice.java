package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --plan FILE | --bits B}: the bits a command quantizes with, as one exclusive picocli group (use with
 * {@code @ArgGroup(exclusive = true, multiplicity = "1")}). Shared by {@code evaluate} and {@code export}.
 */
final class PlanChoice {
    @Option(names = "--plan", paramLabel = "FILE", description = "A bit plan JSON file (from 'search -o').")
    Path plan;

    @Option(names = "--bits", paramLabel = "B", converter = OptionValues.BitWidth.class,
            description = "Uniform bits 2..8 for every layer.")
    Integer bits;

    /**
     * The plan file, read and checked against explicit {@code --scheme}/{@code --granularity} options before any model
     * is loaded; {@code null} with {@code --bits}.
     *
     * @throws IOException naming the file if it does not exist or cannot be read
     */
    BitPlan readFile(QuantMixin quant, CommandLine cl) throws IOException {
        if (plan == null) {
            return null;
        }
        BitPlan fromFile;
        try {
            fromFile = BitPlan.read(plan);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read plan file '" + plan + "': no such file");
        }
        quant.checkAgreesWith(fromFile, plan, cl);
        return fromFile;
    }

    /** {@code fromFile} validated for {@code m}, or the uniform {@code --bits} plan in {@code quant}'s scheme. */
    BitPlan forModel(BitPlan fromFile, QuantizableModel m, QuantMixin quant) {
        return fromFile != null ? fromFile.validateFor(m.source(), m.layerNames())
                : BitPlan.uniform(m.source(), m.layerNames(), bits, quant.scheme(), quant.granularity());
    }
}
