package org.mixquant.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mixquant.eval.CnnNpzExport;
import org.mixquant.eval.QuantizedExport;
import org.mixquant.eval.SizeReport;
import org.mixquant.data.NamedArrays;
import org.mixquant.methods.Methods;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.methods.RoundingGrid;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.onnx.ExportCheck;
import org.mixquant.model.onnx.OnnxExport;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code mixquant export MODEL (--plan FILE | --bits B) [--method nearest|adaround|gptq] -o model-q.onnx}. */
@Command(name = "export", description = "Write MODEL (an ONNX model) quantized with a plan or uniform bits as a"
        + " standard ONNX file: integer weights (UINT8/INT8, or UINT4/INT4) and DequantizeLinear nodes (per channel,"
        + " per tensor, or blocked per group), which ONNX Runtime loads."
        + " Before writing, the file's outputs are compared with the toolkit's fake-quantized model.")
final class ExportCommand extends BaseCommand {
    /** Largest |exported − fake-quantized| output difference accepted before writing (the bound). */
    static final double MAX_ABS_DIFF = 1e-5;

    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm or a path to an .onnx file")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PlanChoice which;

    @Option(names = "--method", paramLabel = "M", defaultValue = "nearest",
            description = "Quantization method: nearest (default), adaround, or on ONNX text models gptq (their"
                    + " weights' integer codes are recovered on the grid they rounded onto; gptq per-group needs"
                    + " --act-order). AdaRound on an ONNX image classifier calibrates on --calibration Fashion-MNIST"
                    + " training images, or a seeded sample of --image-dir / --idx-images.")
    String method;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
            description = "The .onnx file to write (never the input model).")
    Path output;

    @Option(names = "--int4", description = "Store layers of 4 bits and fewer as UINT4/INT4, two codes per byte"
            + " (moves the model to opset 21); default: every layer in 8-bit containers.")
    boolean int4;

    @Option(names = "--no-check", description = "Do not run the exported model against the fake-quantized one.")
    boolean noCheck;

    @Mixin
    QuantMixin quant;

    @Mixin
    FormatMixin format;

    @Mixin
    ReconstructionMixin reconstruction;

    @Mixin
    ImageDataMixin imageData;

    /**
     * The {@code export --format json} document.
     *
     * @param model         the model source
     * @param output        the file written
     * @param plan          the plan's name, e.g. {@code uniform-4}
     * @param rule          the rule that made it
     * @param method        the quantizer ({@code nearest}, {@code adaround} or {@code gptq})
     * @param scheme        {@code asymmetric} (UINT8 storage) or {@code symmetric} (INT8)
     * @param granularity   {@code per-channel} (1-D scales, DequantizeLinear {@code axis}), {@code per-tensor}, or
     *                      {@code per-group-G} (blocked DequantizeLinear, {@code block_size} G)
     * @param averageBits   weight bits per quantized weight under the plan
     * @param opset         the default domain's opset of the written file
     * @param sourceOpset   the model's own opset (lower when it had to be moved up)
     * @param conversions   operators converted for the opset move, one line per kind
     * @param layers        the layers stored as integers
     * @param size          file sizes on disk next to the computed sizes
     * @param check         the comparison with the fake-quantized model, or null with {@code --no-check} or when
     *                      the model's inputs cannot be generated
     */
    record Output(String model, String output, String plan, String rule, String method, String scheme,
            String granularity, double averageBits, int opset, int sourceOpset, List<String> conversions,
            List<ExportedLayer> layers, Size size, Check check) {
    }

    /**
     * One exported layer.
     *
     * @param name    the layer (its node's name)
     * @param bits    the plan's bits
     * @param storage {@code UINT8} or {@code INT8}, or with {@code --int4} and at most 4 bits {@code UINT4} or
     *                {@code INT4}
     * @param axis      the DequantizeLinear axis: the output channels, or with groups the blocked (input) axis of
     *                  the stored codes; null per-tensor
     * @param blockSize the DequantizeLinear {@code block_size} (the group size), or null without groups
     * @param params    number of weights
     */
    record ExportedLayer(String name, int bits, String storage, Integer axis, Integer blockSize, long params) {
    }

    /**
     * Sizes in bytes and MB (10^6 bytes).
     *
     * @param fp32FileBytes     the FP32 model file (or resource) as read
     * @param exportedFileBytes the written file on disk
     * @param computedBytes     what the plan's bits would take ({@link SizeReport#totalMB()}, as {@code evaluate})
     * @param fp32MB            fp32FileBytes in MB
     * @param exportedMB        exportedFileBytes in MB
     * @param computedMB        computedBytes in MB
     * @param counted           what the computed size counts and why the file is larger (8-bit containers)
     */
    record Size(long fp32FileBytes, long exportedFileBytes, long computedBytes, double fp32MB, double exportedMB,
            double computedMB, String counted) {
    }

    /**
     * The exported model against the fake-quantized one in ONNX Runtime.
     *
     * @param inputs     what was fed
     * @param values     output values compared
     * @param maxAbsDiff largest absolute difference
     * @param tolerance  the bound it must meet ({@value #MAX_ABS_DIFF})
     */
    record Check(String inputs, long values, double maxAbsDiff, double tolerance) {
    }

    @Override
    public Integer call() throws Exception {
        checkOutputFile(output, "-o");
        checkDistinctOutputs(model, List.of("-o"), output);
        String id = Methods.id(method).orElseThrow(() -> new ParameterException(spec.commandLine(), "--method '"
                + method + "' is not a method: expected one of " + String.join(", ", Methods.NAMES)));
        BitPlan fromFile = which.readFile(quant, spec.commandLine());
        Granularity granularity = fromFile != null ? fromFile.granularity() : quant.granularity();
        try {
            Methods.requireSupported(id, model);
            RoundingGrid.requireRecoverable(id, new QuantSpec(Bits.MAX, Scheme.ASYMMETRIC, granularity),
                    reconstruction.gptq());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--method " + id + ": " + e.getMessage());
        }
        if (fromFile != null && !BitPlan.sameModel(fromFile.model(), model)) {
            throw new ParameterException(spec.commandLine(), "--plan " + which.plan + " was made for \"model\" '"
                    + fromFile.model() + "', not for '" + model + "' (make a plan for this model with"
                    + " 'mixquant search')");
        }
        boolean npz = output.getFileName() != null && output.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
                .endsWith(".npz");
        if (CnnModels.isBuiltIn(model)) {
            if (!npz || int4 || !id.equals("nearest")) {
                throw new ParameterException(spec.commandLine(), "'" + model + "' is a Fashion-MNIST CNN (DJL): it is"
                        + " exported as integer codes in a NumPy .npz for the PyTorch oracle, with --method nearest"
                        + " and 8-bit containers (give -o FILE.npz, no --int4)");
            }
            return exportCnn((CnnModel) loadRunnableModel(model, "export"), fromFile);
        }
        if (npz) {
            throw new ParameterException(spec.commandLine(), "-o " + output + ": an ONNX model is exported as .onnx;"
                    + " .npz is the Fashion-MNIST CNNs' export");
        }
        QuantizableModel m = loadRunnableModel(model, "export");
        if (!(m instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("export writes ONNX models and the bundled CNNs; '" + model
                    + "' is neither");
        }
        BitPlan plan = which.forModel(fromFile, m, quant);
        QuantizedExport ex;
        if (id.equals("nearest")) {
            ex = QuantizedExport.nearest(onnx, plan, int4);
        } else {
            boolean image = imageData.appliesTo(onnx);
            if (image) {
                imageData.requireSupported("--method", List.of(id));
            }
            ReconstructionOptions options = reconstruction.options(this, image);
            NamedArrays calibration = image
                    ? imageData.calibration(this, onnx, options.calibrationSamples(), options.seed(), false) : null;
            Quantizer qz = Methods.create(id, m, options, reconstruction.extras(this), calibration);
            QuantizedModel qm = qz.quantize(m, plan);
            info(f("%s quantized the model in %.1f s", id, qm.seconds()));
            ex = QuantizedExport.recovered(onnx, qm.model(), plan, id, reconstruction.gptq(), int4);
        }
        for (String c : ex.onnx().conversions()) {
            info(c);
        }
        Check check = null;
        if (!noCheck) {
            Optional<ExportCheck> c = ExportCheck.run(ex.fakeQuant(), ex.onnx(), threads());
            if (c.isEmpty()) {
                warn("the exported model was not run: its inputs are neither a sentence encoder's (input_ids,"
                        + " attention_mask) nor all FLOAT with fixed shapes");
            } else {
                check = new Check(c.get().inputs(), c.get().values(), c.get().maxAbsDiff(), MAX_ABS_DIFF);
                if (!(check.maxAbsDiff() <= MAX_ABS_DIFF)) {
                    throw new IllegalStateException("the exported model's outputs differ from the fake-quantized"
                            + " model's by " + check.maxAbsDiff() + " (more than " + MAX_ABS_DIFF + ") on "
                            + check.inputs() + "; nothing was written");
                }
            }
        }
        ex.onnx().write(output);
        long written = Files.size(output);
        long fp32Bytes = onnx.graph().proto().getSerializedSize();
        SizeReport size = ex.size();
        long computed = Math.round(size.totalMB() * 1e6);
        List<ExportedLayer> layers = new ArrayList<>();
        for (Layer l : m.layers()) {
            boolean perTensor = plan.granularity() == Granularity.PER_TENSOR;
            int g = plan.granularity().groupSize();
            boolean blocked = g > 0 && OnnxExport.groupsOf(l, g) > 1;
            layers.add(new ExportedLayer(l.name(), plan.bitsOf(l.name()),
                    OnnxExport.storageType(plan.scheme() == Scheme.SYMMETRIC, int4 && plan.bitsOf(l.name()) <= 4)
                            .name(),
                    perTensor ? null : blocked ? OnnxExport.blockedAxis(l, g) : l.channelAxis(),
                    blocked ? g : null, l.params()));
        }
        String counted = "computed: " + SizeReport.whatIsCounted() + "; the file stores "
                + (int4 ? "codes of 4 bits and fewer in half a byte (UINT4/INT4) and the others" : "every code")
                + " in one byte (UINT8/INT8)"
                + (plan.granularity().isPerGroup() ? ", and each group's scale as FLOAT (32 bits, not the FP16 the"
                        + " computed size counts: the toolkit evaluates with float32 scales, and an FP16 scale in"
                        + " DequantizeLinear would make its output FP16) and its zero-point in the codes' container"
                        : "")
                + ", so it is larger than computed";
        Size s = new Size(fp32Bytes, written, computed, fp32Bytes / 1e6, written / 1e6, computed / 1e6, counted);
        if (format.format == OutputFormat.json) {
            printJson(new Output(m.source(), output.toString(), plan.name(), plan.rule(), id,
                    plan.scheme().cliName(), plan.granularity().label(), size.averageBits(), ex.onnx().opset(),
                    ex.onnx().originalOpset(), ex.onnx().conversions(), layers, s, check));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("layer", "bits", "storage", "axis", "block", "params"));
        for (ExportedLayer l : layers) {
            t.add(List.of(l.name(), l.bits(), l.storage(), l.axis() == null ? "-" : l.axis(),
                    l.blockSize() == null ? "-" : l.blockSize(), l.params()));
        }
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("wrote %s: %d layers as integers, opset %d%s", output, layers.size(), ex.onnx().opset(),
                    ex.onnx().opset() != ex.onnx().originalOpset() ? " (model's own: " + ex.onnx().originalOpset()
                            + ")" : ""));
            out().println(f("file size: %.3f MB on disk; FP32 file %.3f MB; computed %.3f MB at %.3f average bits",
                    s.exportedMB(), s.fp32MB(), s.computedMB(), size.averageBits()));
            out().println(check == null ? "check: not run"
                    : f("check: max |exported - fake-quant| = %s on %s (%d values, bound %s)", sci(check.maxAbsDiff()),
                            check.inputs(), check.values(), sci(MAX_ABS_DIFF)));
            out().println(counted);
        }
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * The {@code export CNN -o FILE.npz --format json} document.
     *
     * @param model         the model
     * @param output        the file written
     * @param plan          the plan's name
     * @param scheme        {@code asymmetric} (uint8 codes) or {@code symmetric} (int8)
     * @param granularity   the plan's granularity label
     * @param averageBits   weight bits per quantized weight under the plan
     * @param arrays        arrays in the archive
     * @param exportedBytes the written file on disk
     * @param computedBytes what the plan's bits would take ({@link SizeReport#totalMB()})
     */
    record CnnOutput(String model, String output, String plan, String scheme, String granularity,
            double averageBits, int arrays, long exportedBytes, long computedBytes) {
    }

    private int exportCnn(CnnModel m, BitPlan fromFile) throws Exception {
        BitPlan plan = which.forModel(fromFile, m, quant);
        CnnNpzExport ex = CnnNpzExport.nearest(m, plan);
        ex.write(output);
        CnnOutput o = new CnnOutput(m.source(), output.toString(), plan.name(), plan.scheme().cliName(),
                plan.granularity().label(), ex.size().averageBits(), ex.arrays().size(), Files.size(output),
                Math.round(ex.size().totalMB() * 1e6));
        if (format.format == OutputFormat.json) {
            printJson(o);
            return ExitCodes.OK;
        }
        out().println(f("wrote %s: %d arrays (integer codes, scales, zero-points, FP32 folded biases) of %s at %s,"
                + " %.3f average bits", output, o.arrays(), m.source(), plan.name(), o.averageBits()));
        out().println(f("file size: %.3f MB on disk; computed %.3f MB (codes in 8-bit containers, float32 scales and"
                + " int32 zero-points in the file)", o.exportedBytes() / 1e6, o.computedBytes() / 1e6));
        out().println("load and score it with: /usr/bin/python3 tools/cnn/torch_cnn.py --arch "
                + m.arch().cliName() + " --weights " + output + " --images 10000 --out logits.f32");
        out().flush();
        return ExitCodes.OK;
    }
}
