package org.mixquant.cli;

import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code --scheme}, {@code --granularity} and {@code --group-size}, the same for every subcommand. The options have no
 * picocli default, so {@code null} means "not given": {@link #scheme()} and {@link #granularity()} resolve it to the
 * default in this one place, and {@link #checkAgreesWith} can tell an explicit option that contradicts a plan file.
 * {@code --granularity per-group} without {@code --group-size} means G = {@value Granularity#DEFAULT_GROUP_SIZE};
 * {@code --group-size} without {@code --granularity per-group} is a usage error ({@link #validate}, run by
 * {@link MixQuantCli} before any command starts).
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
            description = "per-channel | per-tensor | per-group (default: per-channel; evaluate --plan: the plan's).")
    Granularity.Kind granularityOption;

    @Option(names = "--group-size", paramLabel = "G", converter = OptionValues.Positive.class,
            description = "With --granularity per-group: weights per group along the input dimension (default: "
                    + Granularity.DEFAULT_GROUP_SIZE + "; typical 32, 64, 128; a G that does not divide a layer's"
                    + " input dimension leaves a smaller last group).")
    Integer groupSizeOption;

    /** The scheme given, or {@link #DEFAULT_SCHEME}. */
    Scheme scheme() {
        return schemeOption != null ? schemeOption : DEFAULT_SCHEME;
    }

    /**
     * The granularity given, or {@link #DEFAULT_GRANULARITY}; per-group with {@code --group-size} or
     * {@value Granularity#DEFAULT_GROUP_SIZE}.
     */
    Granularity granularity() {
        if (granularityOption == null) {
            return DEFAULT_GRANULARITY;
        }
        return switch (granularityOption) {
            case PER_CHANNEL -> Granularity.PER_CHANNEL;
            case PER_TENSOR -> Granularity.PER_TENSOR;
            case PER_GROUP -> Granularity.perGroup(groupSizeOption != null ? groupSizeOption
                    : Granularity.DEFAULT_GROUP_SIZE);
        };
    }

    /**
     * Rejects {@code --group-size} without {@code --granularity per-group}.
     *
     * @throws CommandLine.ParameterException (usage error) naming both options
     */
    void validate(CommandLine cl) {
        if (groupSizeOption != null && granularityOption != Granularity.Kind.PER_GROUP) {
            throw new CommandLine.ParameterException(cl, "--group-size " + groupSizeOption + " needs --granularity"
                    + " per-group (got " + (granularityOption == null ? "no --granularity, i.e. per-channel"
                    : "--granularity " + granularity().cliName()) + ")");
        }
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
        if (granularityOption != null && granularityOption != plan.granularity().kind()) {
            throw new CommandLine.ParameterException(cl, "--granularity " + granularity().cliName()
                    + " contradicts the plan " + file + ", whose \"granularity\" is "
                    + plan.granularity().cliName() + " (leave out --granularity to use the plan's)");
        }
        if (groupSizeOption != null && groupSizeOption != plan.granularity().groupSize()) {
            throw new CommandLine.ParameterException(cl, "--group-size " + groupSizeOption + " contradicts the plan "
                    + file + ", whose \"groupSize\" is " + plan.granularity().groupSize()
                    + " (leave out --group-size to use the plan's)");
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

    static final class GranularityConverter implements ITypeConverter<Granularity.Kind> {
        @Override
        public Granularity.Kind convert(String value) {
            for (Granularity.Kind k : Granularity.Kind.values()) {
                if (k.name().replace('_', '-').equalsIgnoreCase(value) || k.name().equalsIgnoreCase(value)) {
                    return k;
                }
            }
            throw new OptionValues.Invalid("must be per-channel, per-tensor or per-group, got '" + value + "'");
        }
    }
}
