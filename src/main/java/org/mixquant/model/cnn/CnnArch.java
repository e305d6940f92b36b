package org.mixquant.model.cnn;

import java.util.Locale;

/** The CNN architectures this toolkit trains on Fashion-MNIST. */
public enum CnnArch {
    /** CIFAR-style ResNet-20, see {@link CnnNetwork#resnet20()}. */
    RESNET20("resnet20"),
    /** Small MobileNetV2, see {@link CnnNetwork#mobilenetv2()}. */
    MOBILENETV2("mobilenetv2");

    private final String cliName;

    CnnArch(String cliName) {
        this.cliName = cliName;
    }

    /** Name on the command line: {@code resnet20} or {@code mobilenetv2}. */
    public String cliName() {
        return cliName;
    }

    /** Built-in model name of the kept weights: {@code resnet20-fashion} or {@code mobilenetv2-fashion}. */
    public String modelName() {
        return cliName + "-fashion";
    }

    /** The network wiring. */
    public CnnNetwork network() {
        return switch (this) {
            case RESNET20 -> CnnNetwork.resnet20();
            case MOBILENETV2 -> CnnNetwork.mobilenetv2();
        };
    }

    /** Parses {@code resnet20} / {@code mobilenetv2} (case-insensitive). */
    public static CnnArch parse(String s) {
        for (CnnArch a : values()) {
            if (a.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + s + "': expected resnet20 or mobilenetv2");
    }

    /** The architecture whose built-in model name is {@code name}, or null. */
    public static CnnArch ofModelName(String name) {
        for (CnnArch a : values()) {
            if (a.modelName().equalsIgnoreCase(name)) {
                return a;
            }
        }
        return null;
    }
}
