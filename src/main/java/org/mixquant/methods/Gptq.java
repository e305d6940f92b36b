package org.mixquant.methods;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * GPTQ (Frantar et al., 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers")
 * for every layer of a model, with the bits of a {@link BitPlan} and its scheme and granularity (per output channel
 * or per tensor; groups of input columns through {@link GptqOptions#groupSize()}). Method id {@code gptq}; results
 * are named {@code gptq-asymmetric} / {@code gptq-symmetric}.
 *
 * <p>Layers go in forward order, each with inputs captured from the model whose earlier layers are already quantized:
 * {@code H = 2XᵀX} of those inputs, then {@link GptqLayer#solve}. On an ONNX model the inputs of all layers of one
 * transformer block ({@link #block}: MiniLM's {@code /encoder/layer.N}) are captured in one run of the model whose
 * earlier blocks are quantized, as the reference's {@code opt.py} does by default (one forward pass per block;
 * without its {@code --true-sequential}): a capture runs the whole model on all calibration sentences, so one per
 * layer input (24 on MiniLM instead of 6) would dominate the run time. CNNs are sequential layer by layer. Inputs:
 * <ul>
 *   <li>ONNX models: each MatMul's captured input rows ({@link CalibrationCapture}; MiniLM: token rows of the
 *       calibration sentences, at most {@link ReconstructionOptions#maxRows()}); the MatMul weight {@code [in, out]}
 *       is worked on transposed, {@code [out, in]}. Layers fed by the same tensor (query, key, value) share one
 *       capture and one Hessian;</li>
 *   <li>CNNs: the unfolded (im2col) inputs of each convolution, one row per (image, output position) with the
 *       weight's {@code [in/groups · k · k]} order, at most {@value #CNN_MAX_ROWS} positions drawn with the seed
 *       (all when fewer); a grouped or depthwise convolution gets one Hessian per group. The weight
 *       {@code [out, in/groups, k, k]} is worked on as {@code [out, in/groups · k · k]}; the classifier's input is
 *       one row per image.</li>
 * </ul>
 * A layer with fewer calibration rows than input columns has a singular {@code XᵀX}: the dampening makes it
 * invertible, and a warning line says so. The input model is not changed.
 */
public final class Gptq implements Quantizer {
    /** Most im2col rows per CNN layer (positions sampled with the seed when there are more). */
    public static final int CNN_MAX_ROWS = 8192;

    private final CalibrationCapture calibration;
    private final FashionMnist images;
    private final ReconstructionOptions options;
    private final GptqOptions gptq;
    private final Consumer<String> log;
    private final Consumer<String> warn;
    private final boolean wholeModelCapture;

    private Gptq(CalibrationCapture calibration, FashionMnist images, ReconstructionOptions options, GptqOptions gptq,
            Consumer<String> log, Consumer<String> warn) {
        this(calibration, images, options, gptq, log, warn, false);
    }

    private Gptq(CalibrationCapture calibration, FashionMnist images, ReconstructionOptions options, GptqOptions gptq,
            Consumer<String> log, Consumer<String> warn, boolean wholeModelCapture) {
        this.calibration = calibration;
        this.images = images;
        this.options = options;
        this.gptq = Objects.requireNonNull(gptq, "gptq");
        this.log = Objects.requireNonNull(log, "log");
        this.warn = Objects.requireNonNull(warn, "warn");
        this.wholeModelCapture = wholeModelCapture;
    }

    /** GPTQ for the ONNX model {@code calibration} captures inputs from; silent until {@link #withLog}. */
    public static Gptq create(CalibrationCapture calibration, GptqOptions gptq) {
        return new Gptq(Objects.requireNonNull(calibration, "calibration"), null, null, gptq, s -> { }, s -> { });
    }

    /**
     * GPTQ for a Fashion-MNIST CNN on the first {@code options.calibrationSamples()} of {@code images} (positions
     * sampled with {@code options.seed()}, libtorch threads {@code options.threads()}); silent until
     * {@link #withLog}.
     *
     * @throws IllegalArgumentException if {@code images} is empty
     */
    public static Gptq create(FashionMnist images, ReconstructionOptions options, GptqOptions gptq) {
        return new Gptq(null, CnnReconstruction.calibrationImages(images, options), options, gptq, s -> { }, s -> { });
    }

    /** The same quantizer, writing the settings and one line per layer to {@code sink}. */
    public Gptq withLog(Consumer<String> sink) {
        return new Gptq(calibration, images, options, gptq, sink, warn, wholeModelCapture);
    }

    /**
     * The same quantizer, writing warnings (fewer calibration rows than input columns, extra dampening), one line
     * each, to {@code sink}.
     */
    public Gptq withWarnings(Consumer<String> sink) {
        return new Gptq(calibration, images, options, gptq, log, sink, wholeModelCapture);
    }

    /**
     * The same quantizer capturing each block's inputs with a run of the whole model ({@code true}, as before
     * {@link CalibrationCapture#forwardOrder}) or, by default ({@code false}), with the calibration's forward-order
     * capture, which runs only from the previous block's captured output; both give the same inputs. For
     * benchmarks and the equality test.
     */
    public Gptq withWholeModelCapture(boolean v) {
        return new Gptq(calibration, images, options, gptq, log, warn, v);
    }

    /** The GPTQ settings. */
    public GptqOptions gptqOptions() {
        return gptq;
    }

    @Override
    public String name() {
        return "gptq";
    }

    /**
     * What happened to one layer.
     *
     * @param layer        layer name
     * @param bits         bit-width
     * @param rows         calibration rows behind its Hessian
     * @param columns      input columns (per convolution group)
     * @param nearestLoss  {@code ‖XŴ − XW‖²} on those rows with round-to-nearest (same grid, min-max scales)
     * @param gptqLoss     the same with GPTQ
     * @param dampFraction dampening used (fraction of the mean diagonal; more than asked after a failed factorisation)
     * @param deadColumns  inputs that were always 0
     * @param seconds      wall time of the layer: Hessian (when it starts a new input) and GPTQ with both loss
     *                     reports; on an ONNX model without the capture of inputs
     */
    public record LayerReport(String layer, int bits, int rows, int columns, double nearestLoss, double gptqLoss,
            double dampFraction, int deadColumns, double seconds) {
        /** {@code gptq / nearest − 1}; 0 when nearest is exact. */
        public double lossChange() {
            return nearestLoss > 0 ? gptqLoss / nearestLoss - 1 : 0;
        }
    }

    /**
     * The quantized model with per-layer reports.
     *
     * @param quantized the model, plan, method name and total time
     * @param layers    one report per layer, forward order
     * @param warnings  singular-Hessian and extra-dampening warnings, one line each
     * @param settings  one line: calibration and {@link GptqOptions#describe()}
     */
    public record Report(QuantizedModel quantized, List<LayerReport> layers, List<String> warnings, String settings) {
    }

    @Override
    public QuantizedModel quantize(QuantizableModel model, BitPlan plan) {
        return run(model, plan).quantized();
    }

    /**
     * Quantizes every layer with the bits of {@code plan}, in forward order, and reports per layer.
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers, groups are asked with
     *                                  a per-tensor plan, or the calibration does not belong to the model
     * @throws IllegalStateException    if capturing inputs fails or a Hessian stays singular
     */
    public Report run(QuantizableModel model, BitPlan plan) {
        plan.validateFor(model.layerNames());
        if (gptq.groupSize() > 0 && plan.granularity() == Granularity.PER_TENSOR) {
            throw new IllegalArgumentException("GPTQ groups (group size " + gptq.groupSize() + ") are per output"
                    + " channel; the plan is per-tensor");
        }
        if (images != null) {
            if (!(model instanceof CnnModel cnn)) {
                throw new IllegalArgumentException("gptq with calibration images needs a Fashion-MNIST CNN, not "
                        + model.source() + "; ONNX models take a CalibrationCapture");
            }
            return runCnn(cnn, plan, optionsFor(gptq, plan.granularity()));
        }
        return runOnnx(model, plan, optionsFor(gptq, plan.granularity()));
    }

    /**
     * GPTQ's options for {@code plan}: a per-group plan (e.g. {@code --granularity per-group --group-size 128}) runs
     * GPTQ with groups of that size; a group size set in the options must then agree with the plan's.
     */
    static GptqOptions optionsFor(GptqOptions gptq, Granularity g) {
        if (!g.isPerGroup()) {
            return gptq;
        }
        if (gptq.groupSize() > 0 && gptq.groupSize() != g.groupSize()) {
            throw new IllegalArgumentException("GPTQ group size " + gptq.groupSize() + " disagrees with the plan's "
                    + g.label());
        }
        return gptq.withGroupSize(g.groupSize());
    }

    private String settings() {
        return images != null ? "gptq (" + images.size() + " calibration images, at most " + CNN_MAX_ROWS
                + " im2col rows per layer): " + gptq.describe()
                : "gptq (" + calibration + "): " + gptq.describe();
    }

    private Report runOnnx(QuantizableModel model, BitPlan plan, GptqOptions o) {
        long t0 = System.nanoTime();
        List<Layer> layers = model.layers();
        int n = layers.size();
        String settings = settings();
        log.accept(settings);
        List<LayerReport> reports = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, WeightTensor> replaced = new LinkedHashMap<>();
        QuantizableModel current = model;
        Map<String, double[]> hessians = new java.util.HashMap<>();
        int rows = calibration.rows();
        CalibrationCapture pass = wholeModelCapture ? calibration : calibration.forwardOrder();
        double captureSecs = 0;
        for (int i = 0; i < n; i++) {
            long l0 = System.nanoTime();
            Layer layer = layers.get(i);
            LayerSite site = calibration.site(layer.name());
            if (i == 0 || !block(layer.name()).equals(block(layers.get(i - 1).name()))) {
                // a new block: capture every input of its layers at once, from the model quantized so far
                List<String> inputs = new ArrayList<>();
                for (int j = i; j < n && block(layers.get(j).name()).equals(block(layer.name())); j++) {
                    String t = calibration.site(layers.get(j).name()).input();
                    if (!inputs.contains(t)) {
                        inputs.add(t);
                    }
                }
                hessians.clear();
                Map<String, float[]> xs = pass.inputsOrThrow(current, inputs);
                long c1 = System.nanoTime();
                captureSecs += (c1 - l0) / 1e9;
                l0 = c1;
                for (String t : inputs) {
                    float[] x = xs.get(t);
                    hessians.put(t, GptqLayer.hessian(x, rows, x.length / rows));
                }
            }
            double[] h = hessians.get(site.input());
            QuantSpec spec = spec(plan, layer.name());
            int warned = warnings.size();
            LayerResult r = quantizeWeight(layer.name(), layer.weight(), List.of(h), rows, spec, o, warnings);
            warnings.subList(warned, warnings.size()).forEach(warn);
            replaced.put(layer.name(), r.weight());
            current = current.withWeights(Map.of(layer.name(), r.weight()));
            reports.add(report(layer.name(), spec.bits(), r, (System.nanoTime() - l0) / 1e9));
            log.accept(logLine(i + 1, n, reports.get(reports.size() - 1), layer.weight()));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "gptq: done in %.1f s: %.1f s capturing inputs (%d runs of the"
                + " model), %.1f s Hessians and GPTQ", secs, captureSecs, captures(layers), secs - captureSecs));
        return new Report(new QuantizedModel(current, plan, methodName(plan), secs), List.copyOf(reports),
                List.copyOf(warnings), settings);
    }

    private Report runCnn(CnnModel model, BitPlan plan, GptqOptions o) {
        long t0 = System.nanoTime();
        CnnNetwork net = model.network();
        Map<String, WeightTensor> fpWeights = CnnReconstruction.weights(model);
        String settings = settings();
        log.accept(settings);
        List<LayerReport> reports = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int total = fpWeights.size();
        Map<String, WeightTensor> replaced = CnnReconstruction.walk(model, images, options.threads(),
                (root, k, unit, fpBefore, inF, inQ, outF, fpOps, state) -> {
                    for (String l : unit.layers()) {
                        long l0 = System.nanoTime();
                        NDArray in = CnnAdaRound.captureLayerInputs(root, unit, List.of(l), inQ, state.ops()).get(l);
                        float[] act = in.toFloatArray();
                        long[] shape = in.getShape().getShape();
                        in.close();
                        WeightTensor w = fpWeights.get(l);
                        long seed = options.seed() * 1_000_003L + reports.size();
                        Unfolded u = l.equals(CnnNetwork.FC) ? Unfolded.dense(act, (int) shape[0], (int) shape[1])
                                : unfold(act, shape, net.conv(l), CNN_MAX_ROWS, seed);
                        List<double[]> hs = new ArrayList<>();
                        for (float[] x : u.groups()) {
                            hs.add(GptqLayer.hessian(x, u.rows(), u.columns()));
                        }
                        QuantSpec spec = spec(plan, l);
                        int warned = warnings.size();
                        LayerResult r = quantizeWeight(l, w, hs, u.rows(), spec, o, warnings);
                        warnings.subList(warned, warnings.size()).forEach(warn);
                        state.put(List.of(l), List.of(r.weight()));
                        reports.add(report(l, spec.bits(), r, (System.nanoTime() - l0) / 1e9));
                        log.accept(logLine(reports.size(), total, reports.get(reports.size() - 1), w));
                    }
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(Locale.ROOT, "gptq: done in %.1f s", secs));
        CnnModel out = model.withWeights(replaced);
        return new Report(new QuantizedModel(out, plan, methodName(plan), secs), List.copyOf(reports),
                List.copyOf(warnings), settings);
    }

    /**
     * GPTQ on one layer alone, against round-to-nearest on the same grid: the layer-level view of what
     * {@link #run} does per layer, for a weight and calibration inputs the caller already has (e.g. one captured
     * MatMul input). {@code w} and {@code x} are not modified.
     *
     * @param w    the weight: an ONNX MatMul {@code [in, out]} (channel axis 1) or {@code [out, ...]} (axis 0)
     * @param x    calibration inputs, {@code rows × in} row-major ({@code in} = the weight's input dimension)
     * @param spec bits, scheme and granularity; a per-group granularity runs GPTQ with groups of its size
     *             ({@link #optionsFor})
     * @return the report: rows, columns, {@code ‖XŴ − XW‖²} with nearest rounding and with GPTQ, dampening used
     * @throws IllegalArgumentException if {@code x} is not {@code rows ×} the weight's input dimension
     */
    public static LayerReport layer(String name, WeightTensor w, float[] x, int rows, QuantSpec spec,
            GptqOptions gptq) {
        long t0 = System.nanoTime();
        int in = w.size() / w.channels();
        if (rows < 1 || (long) rows * in != x.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " input values are not " + rows
                    + " rows × " + in + " input columns");
        }
        GptqOptions o = optionsFor(gptq, spec.granularity());
        QuantSpec s = spec.granularity().isPerGroup() ? spec.withGranularity(Granularity.PER_CHANNEL) : spec;
        LayerResult r = quantizeWeight(name, w, List.of(GptqLayer.hessian(x, rows, in)), rows, s, o,
                new ArrayList<>());
        return report(name, spec.bits(), r, (System.nanoTime() - t0) / 1e9);
    }

    private static LayerReport report(String layer, int bits, LayerResult r, double seconds) {
        return new LayerReport(layer, bits, r.rows(), r.columns(), r.nearestLoss(), r.gptqLoss(),
                r.dampFraction(), r.deadColumns(), seconds);
    }

    private static String logLine(int i, int n, LayerReport r, WeightTensor w) {
        return String.format(Locale.ROOT, "gptq %d/%d %s int%d %s: %d rows × %d columns, layer loss nearest %.4g →"
                        + " gptq %.4g (%+.1f%%)%s in %.2f s", i, n, r.layer(), r.bits(), w.shapeString(), r.rows(),
                r.columns(), r.nearestLoss(), r.gptqLoss(), 100 * r.lossChange(),
                r.deadColumns() > 0 ? ", " + r.deadColumns() + " dead inputs" : "", r.seconds());
    }

    /** The layer's grid; a per-group plan's groups are GPTQ's own (see {@link #optionsFor}), per output channel. */
    private static QuantSpec spec(BitPlan plan, String layer) {
        Granularity g = plan.granularity().isPerGroup() ? Granularity.PER_CHANNEL : plan.granularity();
        return new QuantSpec(plan.bitsOf(layer), plan.scheme(), g);
    }

    private String methodName(BitPlan plan) {
        return name() + "-" + plan.scheme().cliName();
    }

    private static int captures(List<Layer> layers) {
        return (int) layers.stream().map(l -> block(l.name())).distinct().count();
    }

    /**
     * The block a layer belongs to, for the capture schedule: the name up to and including its first path component
     * that is a numbered block ({@code layer.3}, {@code layers.3}, {@code h.3}, {@code block3}, …), e.g.
     * {@code /encoder/layer.3} for {@code /encoder/layer.3/attention/self/query/MatMul}; the name itself when there
     * is none (then every layer is its own block).
     */
    static String block(String layer) {
        java.util.regex.Matcher m = BLOCK.matcher(layer);
        return m.find() ? layer.substring(0, m.end()) : layer;
    }

    private static final java.util.regex.Pattern BLOCK = java.util.regex.Pattern.compile(
            "(?:^|[/._])(?:layers?|h|blocks?)[._]?\\d+(?=$|[/._])");

    /**
     * One layer's outcome.
     *
     * @param weight the quantized weight, in the layer's own layout
     * @param codes  integer codes in GPTQ's {@code [out, in]} layout (per group of a grouped convolution:
     *               consecutive output channels)
     */
    record LayerResult(WeightTensor weight, int[] codes, int rows, int columns, double nearestLoss, double gptqLoss,
            double dampFraction, int deadColumns) {
    }

    /**
     * GPTQ on one weight tensor with one Hessian per convolution group ({@code hs.size()} groups of consecutive
     * output channels; one for a dense layer). Rows of the matrix GPTQ works on: output channels. An ONNX MatMul
     * weight ({@code [in, out]}, channel axis 1) is transposed; other weights ({@code [out, ...]}, axis 0) are
     * flattened to {@code [out, rest]}. Warnings (too few rows, extra dampening) go to {@code warnings}.
     */
    static LayerResult quantizeWeight(String name, WeightTensor w, List<double[]> hs, int rows, QuantSpec spec,
            GptqOptions o, List<String> warnings) {
        int[] shape = w.shape();
        int out = w.channels();
        int in = w.size() / out;
        boolean transposed = w.channelAxis() == 1 && shape.length == 2;
        if (!transposed && w.channelAxis() != 0) {
            throw new IllegalArgumentException("GPTQ needs output channels on axis 0, or an ONNX MatMul [in, out]"
                    + " weight; " + name + " is " + w.shapeString() + " with axis " + w.channelAxis());
        }
        float[] wt = transposed ? transpose(w.unsafeData(), in, out) : w.toArray();
        int groups = hs.size();
        int outPer = out / groups;
        if (outPer * groups != out) {
            throw new IllegalArgumentException(name + ": " + out + " output channels are not divisible into "
                    + groups + " groups");
        }
        if (rows < in) {
            warnings.add(String.format(Locale.ROOT, "gptq: %s has %d calibration rows for %d input columns: XᵀX is"
                    + " singular, the dampening (%.3g of the mean diagonal) makes it invertible", name, rows, in,
                    o.damp()));
        }
        float[] q = new float[wt.length];
        int[] codes = new int[wt.length];
        float[] nearest = new float[wt.length];
        double nearestLoss = 0;
        double gptqLoss = 0;
        double damp = 0;
        int dead = 0;
        for (int gi = 0; gi < groups; gi++) {
            int off = gi * outPer * in;
            float[] part = java.util.Arrays.copyOfRange(wt, off, off + outPer * in);
            double[] h = hs.get(gi);
            GptqLayer.Result r = GptqLayer.solve(part, outPer, in, h, spec, o);
            for (String warning : r.warnings()) {
                warnings.add(name + ": " + warning);
            }
            System.arraycopy(r.weights(), 0, q, off, part.length);
            System.arraycopy(r.codes(), 0, codes, off, part.length);
            gptqLoss += GptqLayer.layerLoss(part, r.weights(), outPer, in, h);
            damp = Math.max(damp, r.dampFraction());
            dead += r.deadColumns();
        }
        // round to nearest on the same grid: per output channel (or per tensor), or per group of input columns
        nearestInto(wt, out, in, spec, o.groupSize(), nearest);
        for (int gi = 0; gi < groups; gi++) {
            int off = gi * outPer * in;
            nearestLoss += GptqLayer.layerLoss(java.util.Arrays.copyOfRange(wt, off, off + outPer * in),
                    java.util.Arrays.copyOfRange(nearest, off, off + outPer * in), outPer, in, hs.get(gi));
        }
        float[] data = transposed ? transpose(q, out, in) : q;
        return new LayerResult(WeightTensor.wrap(data, shape.clone(), w.channelAxis()), codes, rows, in, nearestLoss,
                gptqLoss, damp, dead);
    }

    /**
     * Round-to-nearest of {@code wt [out, in]} into {@code dst}: per channel / tensor, or per group of
     * {@code groupSize} input columns (the quant package's per-group granularity, ragged last group included).
     */
    static void nearestInto(float[] wt, int out, int in, QuantSpec spec, int groupSize, float[] dst) {
        QuantSpec s = groupSize <= 0 ? spec : spec.withGranularity(Granularity.perGroup(groupSize));
        WeightTensor t = WeightTensor.wrap(wt, new int[] {out, in}, 0);
        FakeQuant.apply(t, org.mixquant.quant.QParams.choose(t, s), dst);
    }

    /** {@code a [rows, cols]} → {@code [cols, rows]}. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /**
     * Unfolded layer inputs: {@code rows × columns} floats per convolution group.
     *
     * @param groups one matrix per group, row-major
     */
    record Unfolded(List<float[]> groups, int rows, int columns) {
        static Unfolded dense(float[] x, int rows, int columns) {
            return new Unfolded(List.of(x), rows, columns);
        }
    }

    /**
     * im2col of a convolution input {@code act [n, c, h, w]} for {@code conv}: one row per (image, output
     * position) — all of them, or {@code maxRows} drawn without replacement from {@code Random(seed)} in increasing
     * order — with columns {@code (channel in group, ky, kx)}, zero padding outside the image.
     */
    static Unfolded unfold(float[] act, long[] shape, ConvSpec conv, int maxRows, long seed) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hgt = (int) shape[2];
        int wid = (int) shape[3];
        int k = conv.kernel();
        int s = conv.stride();
        int p = conv.padding();
        int ho = (hgt + 2 * p - k) / s + 1;
        int wo = (wid + 2 * p - k) / s + 1;
        int total = n * ho * wo;
        int[] pos = OnnxTextCalibration.chooseRows(total, maxRows, seed);
        int cg = c / conv.groups();
        int cols = cg * k * k;
        List<float[]> out = new ArrayList<>();
        for (int g = 0; g < conv.groups(); g++) {
            float[] x = new float[pos.length * cols];
            for (int ri = 0; ri < pos.length; ri++) {
                int idx = pos[ri];
                int img = idx / (ho * wo);
                int oy = idx % (ho * wo) / wo;
                int ox = idx % wo;
                int base = ri * cols;
                for (int ci = 0; ci < cg; ci++) {
                    int chBase = (img * c + g * cg + ci) * hgt * wid;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * s - p + ky;
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * s - p + kx;
                            x[base + (ci * k + ky) * k + kx] = iy < 0 || iy >= hgt || ix < 0 || ix >= wid ? 0f
                                    : act[chBase + iy * wid + ix];
                        }
                    }
                }
            }
            out.add(x);
        }
        return new Unfolded(out, pos.length, cols);
    }

    @Override
    public String toString() {
        return "Gptq[" + settings() + "]";
    }
}
