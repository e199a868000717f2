package io.sendchain.examples.cli;

import io.sendchain.examples.http.Sizes;
import picocli.CommandLine.TypeConversionException;

/**
 * A size on the command line, written as nginx writes one: bytes with an optional {@code k}, {@code m} or {@code g}
 * ({@code 512}, {@code 4k}, {@code 2m}); an option method that takes one gets the {@code SIZE} converter.
 *
 * @param bytes the size in bytes
 */
record Size(long bytes) {

    /** The converter: {@link Sizes#size}, its failure said the way the command line says it. */
    static Size parse(String s) {
        try {
            return new Size(Sizes.size(s));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("takes a size such as 512, 4k, 2m or 1g, not \"" + s + "\"");
        }
    }

    /** The size as an {@code int}, for the settings that hold one. */
    int intBytes(String option) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(option + " is too large: " + bytes);
        }
        return (int) bytes;
    }
}
