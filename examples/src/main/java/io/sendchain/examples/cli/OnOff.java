package io.sendchain.examples.cli;

import picocli.CommandLine.TypeConversionException;

/** nginx's flag values, {@code on} and {@code off} (an enum, so the completion script offers both). */
enum OnOff {
    on,
    off;

    /** {@code true} for {@code on}. */
    boolean value() {
        return this == on;
    }

    /** The converter: exactly {@code on} or {@code off}, as nginx takes them. */
    static OnOff parse(String s) {
        return switch (s) {
            case "on" -> on;
            case "off" -> off;
            default -> throw new TypeConversionException("takes on or off, not \"" + s + "\"");
        };
    }
}
