package org.mixquant.cli;

import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code --scheme} and {@code --granularity}, the same for every subcommand. The options have no picocli default, so
 * {@code null} means "not given": {@link #scheme()} and {@link #granularity()} resolve it to the default in this one
 * place, and {@link #checkAgreesWith} can tell an explicit option that contradicts a plan file.
 */
public final class QuantMixin {
    /** The scheme when {@code --scheme} is not given. */
    static final Scheme DEFAULT_SCHEME = Scheme.ASYMMETRIC;
    /** The granularity when {@code --granularity} is not given. */
    static final Granularity DEFAULT_GRANULARITY = Granularity.PER_CHANNEL;

    @Option(names = "--scheme", converter = SchemeConverter.class,
            description = "asymmetric | symmetric (default: asymmetric; evaluate --plan: the plan's).")
    Scheme schemeOption;

    @Option(names = "--granularity", converter = GranularityConverter.class,
            description = "per-channel | per-tensor (default: per-channel; evaluate --plan: the plan's).")
    Granularity granularityOption;

    /** The scheme given, or {@link #DEFAULT_SCHEME}. */
    Scheme scheme() {
        return schemeOption != null ? schemeOption : DEFAULT_SCHEME;
    }

    /** The granularity given, or {@link #DEFAULT_GRANULARITY}. */
    Granularity granularity() {
        return granularityOption != null ? granularityOption : DEFAULT_GRANULARITY;
    }

    /**
     * Rejects an explicit {@code --scheme} or {@code --granularity} that differs from what {@code plan} (read from
     * {@code file}) records: the plan's settings are what will run, so a contradicting option would be ignored.
     *
     * @throws CommandLine.ParameterException (usage error) naming the option, its value and the plan's
     */
    void checkAgreesWith(BitPlan plan, Object file, CommandLine cl) {
        if (schemeOption != null && schemeOption != plan.scheme()) {
            throw new CommandLine.ParameterException(cl, "--scheme " + schemeOption.cliName() + " contradicts the"
                    + " plan " + file + ", whose \"scheme\" is " + plan.scheme().cliName()
                    + " (leave out --scheme to use the plan's)");
        }
        if (granularityOption != null && granularityOption != plan.granularity()) {
            throw new CommandLine.ParameterException(cl, "--granularity " + granularityOption.cliName()
                    + " contradicts the plan " + file + ", whose \"granularity\" is "
                    + plan.granularity().cliName() + " (leave out --granularity to use the plan's)");
        }
    }

    static final class SchemeConverter implements ITypeConverter<Scheme> {
        @Override
        public Scheme convert(String value) {
            try {
                return Scheme.parse(value);
            } catch (IllegalArgumentException e) {
                throw new OptionValues.Invalid("must be asymmetric or symmetric, got '" + value + "'");
            }
        }
    }

    static final class GranularityConverter implements ITypeConverter<Granularity> {
        @Override
        public Granularity convert(String value) {
            try {
                return Granularity.parse(value);
            } catch (IllegalArgumentException e) {
                throw new OptionValues.Invalid("must be per-channel or per-tensor, got '" + value + "'");
            }
        }
    }
}
