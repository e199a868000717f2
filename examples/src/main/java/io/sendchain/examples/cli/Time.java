package io.sendchain.examples.cli;

import io.sendchain.examples.http.Sizes;
import picocli.CommandLine.TypeConversionException;

/**
 * A time on the command line, written as nginx writes one: {@code 500ms}, {@code 60s}, {@code 1m30s}, {@code 2h},
 * {@code 1d}, a bare number being seconds; an option method that takes one gets the {@code TIME} converter.
 *
 * @param millis the time in milliseconds
 */
record Time(long millis) {

    /** The converter: {@link Sizes#millis}, its failure said the way the command line says it. */
    static Time parse(String s) {
        try {
            return new Time(Sizes.millis(s));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("takes a time such as 500ms, 60s, 1m30s or 2h, not \"" + s + "\"");
        }
    }
}
