package org.mixquant.cli;

import java.util.ArrayList;
import java.util.List;
import org.mixquant.quant.Bits;
import picocli.CommandLine.ITypeConverter;

/** Parses {@code --bits} values: {@code 4}, {@code 2-8} or {@code 3,4,8}; each width must be in 2..8. */
final class BitsRange {
    private BitsRange() {
    }

    /**
     * The picocli check: a bad value fails while the command line is parsed (exit code 2, the message names the
     * option and the value); a good one is kept as written, for {@link #parse(String)}.
     */
    static final class Check implements ITypeConverter<String> {
        @Override
        public String convert(String s) {
            try {
                parse(s);
                return s;
            } catch (IllegalArgumentException e) {
                throw new OptionValues.Invalid("must be widths between " + Bits.MIN + " and " + Bits.MAX
                        + " as 4, 2-8 or 3,4,8, got '" + s + "'");
            }
        }
    }

    static int[] parse(String s) {
        List<Integer> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int a = Integer.parseInt(p.substring(0, dash).strip());
                    int b = Integer.parseInt(p.substring(dash + 1).strip());
                    Bits.check(a);
                    Bits.check(b);
                    if (a > b) {
                        throw new IllegalArgumentException("bit range '" + p + "' is empty");
                    }
                    for (int v = a; v <= b; v++) {
                        out.add(v);
                    }
                } else {
                    out.add(Bits.check(Integer.parseInt(p)));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--bits expects a width 2..8, a range like 2-8 or a list like 3,4;"
                        + " got '" + s + "'");
            }
        }
        return out.stream().distinct().sorted().mapToInt(Integer::intValue).toArray();
    }
}
