package org.mixquant.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How close a quantized model's graph outputs are to the FP32 model's on the same inputs, per output and over all of
 * them. For an output with FP32 values {@code x} and quantized values {@code x̂} (all elements, all samples, summed in
 * double):
 * <ul>
 *   <li>SQNR in dB {@code = 10·log10(Σx² / Σ(x − x̂)²)}: signal power over quantization-noise power; higher is better,
 *       +6 dB per halving of the error; {@code null} when the outputs are identical (infinite SQNR);</li>
 *   <li>cosine {@code = Σx·x̂ / (‖x‖·‖x̂‖)} of the flattened outputs (1 when both are zero, 0 when only one is).</li>
 * </ul>
 * "Overall" takes the same two over all outputs concatenated, so a large output weighs more than a small one.
 *
 * @param outputs one entry per compared output, in graph order
 * @param sqnrDb  overall SQNR in dB, {@code null} when every output is identical
 * @param cosine  overall cosine
 */
public record OutputFidelity(List<PerOutput> outputs, Double sqnrDb, double cosine) {
    /**
     * One output.
     *
     * @param name   the graph output
     * @param values number of values compared
     * @param sqnrDb SQNR in dB, {@code null} when identical
     * @param cosine cosine of the flattened output
     */
    public record PerOutput(String name, long values, Double sqnrDb, double cosine) {
    }

    /** Copies the list. */
    public OutputFidelity {
        outputs = List.copyOf(outputs);
    }

    /**
     * Compares two sets of outputs of the same inputs.
     *
     * @param reference FP32 outputs by name (graph order)
     * @param quantized the same names, same lengths
     * @throws IllegalArgumentException when a name is missing or the lengths differ
     */
    public static OutputFidelity compare(Map<String, float[]> reference, Map<String, float[]> quantized) {
        List<PerOutput> per = new ArrayList<>();
        double sx = 0;
        double sy = 0;
        double sxy = 0;
        double se = 0;
        for (Map.Entry<String, float[]> e : reference.entrySet()) {
            float[] x = e.getValue();
            float[] y = quantized.get(e.getKey());
            if (y == null || y.length != x.length) {
                throw new IllegalArgumentException("output '" + e.getKey() + "' has " + x.length + " FP32 values and "
                        + (y == null ? "no" : Integer.toString(y.length)) + " quantized values");
            }
            double ax = 0;
            double ay = 0;
            double axy = 0;
            double ae = 0;
            for (int i = 0; i < x.length; i++) {
                double a = x[i];
                double b = y[i];
                ax += a * a;
                ay += b * b;
                axy += a * b;
                ae += (a - b) * (a - b);
            }
            per.add(new PerOutput(e.getKey(), x.length, sqnr(ax, ae), cosine(ax, ay, axy)));
            sx += ax;
            sy += ay;
            sxy += axy;
            se += ae;
        }
        return new OutputFidelity(per, sqnr(sx, se), cosine(sx, sy, sxy));
    }

    /** {@code 10·log10(signal / noise)}, {@code null} for zero noise. */
    static Double sqnr(double signal, double noise) {
        return noise == 0 ? null : 10 * Math.log10(signal / noise);
    }

    static double cosine(double xx, double yy, double xy) {
        if (xx == 0 && yy == 0) {
            return 1;
        }
        if (xx == 0 || yy == 0) {
            return 0;
        }
        return xy / (Math.sqrt(xx) * Math.sqrt(yy));
    }
}
