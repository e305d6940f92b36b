package org.mixquant.cli;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.model.cnn.CnnArch;
import org.mixquant.quant.Bits;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Range checks for option values, as picocli converters: a value out of range fails while the command line is
 * parsed, before any model is loaded, with exit code 2 and one line that names the option and the value, e.g.
 * {@code mixquant: --avg-bits must be between 2 and 8, got 1.9} (the converter's message follows the option's name,
 * see {@link MixQuantCli#create}). One converter per kind of value; every option of that kind, in every subcommand,
 * names the same converter.
 */
final class OptionValues {
    private OptionValues() {
    }

    /** A value out of range; its message reads after the option's name ("must be ..., got X"). */
    static final class Invalid extends TypeConversionException {
        private static final long serialVersionUID = 1L;

        Invalid(String msg) {
            super(msg);
        }
    }

    /** Whole number ≥ 1 (threads, batch size, epochs, ...). */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return atLeast(integer(s), 1, s);
        }
    }

    /**
     * Repetitions of a step, 1..{@value #MAX} (learned-rounding steps, benchmark repeats and rounds): each is
     * planned in an array up front, so 2147483647 would be an out-of-memory crash, and the papers use 20,000 steps.
     */
    static final class Steps implements ITypeConverter<Integer> {
        /** Most repetitions. */
        static final int MAX = 1_000_000;

        @Override
        public Integer convert(String s) {
            return between(integer(s), 1, MAX, s);
        }
    }

    /** Warm-up repetitions, 0..{@value Steps#MAX}. */
    static final class WarmupSteps implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return between(integer(s), 0, Steps.MAX, s);
        }
    }

    /** Whole number ≥ 0 (limits where 0 means "all"). */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return atLeast(integer(s), 0, s);
        }
    }

    /**
     * Calibration samples: 1 up to the 60,000 Fashion-MNIST training images (text models draw from the fortune
     * corpus, which holds fewer; loading says how many).
     */
    static final class Calibration implements ITypeConverter<Integer> {
        /** Fashion-MNIST training images. */
        static final int MAX = 60_000;

        @Override
        public Integer convert(String s) {
            int v = atLeast(integer(s), 1, s);
            if (v > MAX) {
                throw new Invalid("must be at most 60,000 (the Fashion-MNIST training images), got " + s);
            }
            return v;
        }
    }

    /** A bundled Fashion-MNIST CNN's name, or blank (for "none"). */
    static final class CnnName implements ITypeConverter<String> {
        @Override
        public String convert(String s) {
            String name = s.strip();
            List<String> known = Arrays.stream(CnnArch.values()).map(CnnArch::modelName).toList();
            if (!name.isEmpty() && !known.contains(name)) {
                throw new Invalid("must be Fashion-MNIST CNNs (" + String.join(", ", known) + ") or empty, got '"
                        + s + "'");
            }
            return name;
        }
    }

    /** A bit-width, {@value Bits#MIN}..{@value Bits#MAX}. */
    static final class BitWidth implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return between(integer(s), Bits.MIN, Bits.MAX, s);
        }
    }

    /** A bit-width or 0 (= follow the plan). */
    static final class BitWidthOrZero implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = integer(s);
            return v == 0 ? 0 : between(v, Bits.MIN, Bits.MAX, s);
        }
    }

    /** Average bits per weight, a finite number in [{@value Bits#MIN}, {@value Bits#MAX}]. */
    static final class AvgBits implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = number(s);
            if (!(v >= Bits.MIN && v <= Bits.MAX)) {
                throw new Invalid("must be between " + Bits.MIN + " and " + Bits.MAX + ", got " + s);
            }
            return v;
        }
    }

    /** The paper rule's multiplier: a finite number ≥ 1. */
    static final class Qem implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = number(s);
            if (!(v >= 1)) {
                throw new Invalid("must be a number ≥ 1 (QE(b) ≤ X·QE(8)), got " + s);
            }
            return v;
        }
    }

    /** A relative-error threshold in (0, 1]. */
    static final class RelError implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = number(s);
            if (!(v > 0 && v <= 1)) {
                throw new Invalid("must be greater than 0 and at most 1, got " + s);
            }
            return v;
        }
    }

    /** GPTQ's dampening, a fraction of the mean Hessian diagonal in (0, 1]. */
    static final class Damp implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = number(s);
            if (!(v > 0 && v <= 1)) {
                throw new Invalid("must be a fraction of the mean Hessian diagonal in (0, 1], got " + s);
            }
            return v;
        }
    }

    /** A finite number ≥ 0 (regulariser weights). */
    static final class NonNegativeNumber implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = number(s);
            if (!(v >= 0)) {
                throw new Invalid("must be a finite number ≥ 0, got " + s);
            }
            return v;
        }
    }

    /**
     * Texts of the fortune corpus: more than {@value CorpusMixin#MIN_CORPUS} (top-10 neighbour overlap needs 10
     * others) and at most what the installed fortune files hold. When the files are missing only the lower bound is
     * checked here; loading the corpus then says which package to install.
     */
    static final class CorpusSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = integer(s);
            if (v < CorpusMixin.MIN_CORPUS) {
                throw new Invalid("must be at least " + CorpusMixin.MIN_CORPUS + " (top-10 neighbour"
                        + " overlap needs 10 other texts), got " + s);
            }
            int available;
            try {
                available = FortuneCorpus.count();
            } catch (IOException e) {
                return v;
            }
            if (v > available) {
                throw new Invalid("must be at most " + available + ", the texts the fortune corpus ("
                        + FortuneCorpus.DEFAULT_DIR + ") has, got " + s);
            }
            return v;
        }
    }

    /** Longest text in tokens, {@value CorpusMixin#MIN_TOKENS}..{@value CorpusMixin#MAX_TOKENS}. */
    static final class MaxTokens implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return between(integer(s), CorpusMixin.MIN_TOKENS, CorpusMixin.MAX_TOKENS, s);
        }
    }

    static int integer(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new Invalid("must be a whole number up to " + Integer.MAX_VALUE + ", got '" + s + "'");
        }
    }

    static double number(String s) {
        double v;
        try {
            v = Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new Invalid("must be a number, got '" + s + "'");
        }
        if (!Double.isFinite(v)) {
            throw new Invalid("must be a finite number, got " + s);
        }
        return v;
    }

    static int atLeast(int v, int min, String s) {
        if (v < min) {
            throw new Invalid("must be ≥ " + min + ", got " + s);
        }
        return v;
    }

    static int between(int v, int min, int max, String s) {
        if (v < min || v > max) {
            throw new Invalid("must be between " + min + " and " + max + ", got " + s);
        }
        return v;
    }
}
