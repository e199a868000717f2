package io.sendchain.examples.http;

import java.lang.foreign.MemorySegment;

/**
 * A fixed set of header field names (lower case) that a head copy leaves out. A name's length is looked up first
 * in a mask of the set's lengths, so most lines of a head (whose names have no length in the set) are kept without
 * comparing a byte.
 */
final class FieldNames {

    private final String[] names;
    /** Bit {@code n} set: some name is {@code n} characters long (names of 64 or more all share bit 63). */
    private final long lengths;

    FieldNames(String... names) {
        long mask = 0;
        for (String n : names) {
            if (!n.equals(n.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("field names are given in lower case: " + n);
            }
            mask |= 1L << Math.min(n.length(), 63);
        }
        this.names = names.clone();
        this.lengths = mask;
    }

    /** Whether {@code [at, at + len)} of {@code s} is one of the names, ignoring ASCII case. */
    boolean contains(MemorySegment s, long at, long len) {
        if ((lengths & (1L << Math.min(len, 63))) == 0) {
            return false;
        }
        for (String n : names) {
            if (HttpSyntax.is(s, at, len, n)) {
                return true;
            }
        }
        return false;
    }
}
