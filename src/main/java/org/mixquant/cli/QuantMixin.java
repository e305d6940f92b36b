package org.mixquant.cli;

import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** {@code --scheme} and {@code --granularity}, the same for every subcommand. */
public final class QuantMixin {
    @Option(names = "--scheme", defaultValue = "asymmetric", converter = SchemeConverter.class,
            description = "asymmetric | symmetric (default: ${DEFAULT-VALUE}).")
    Scheme scheme = Scheme.ASYMMETRIC;

    @Option(names = "--granularity", defaultValue = "per-channel", converter = GranularityConverter.class,
            description = "per-channel | per-tensor (default: ${DEFAULT-VALUE}).")
    Granularity granularity = Granularity.PER_CHANNEL;

    static final class SchemeConverter implements ITypeConverter<Scheme> {
        @Override
        public Scheme convert(String value) {
            return Scheme.parse(value);
        }
    }

    static final class GranularityConverter implements ITypeConverter<Granularity> {
        @Override
        public Granularity convert(String value) {
            return Granularity.parse(value);
        }
    }
}
