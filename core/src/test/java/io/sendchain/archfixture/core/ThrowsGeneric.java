package io.sendchain.archfixture.core;

/** Planted violation: a generic exception. */
public class ThrowsGeneric {
    public void fail() {
        throw new RuntimeException("something");
    }
}
