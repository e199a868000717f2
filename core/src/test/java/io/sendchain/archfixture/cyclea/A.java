package io.sendchain.archfixture.cyclea;

import io.sendchain.archfixture.cycleb.B;

/** Planted violation: half of a package cycle. */
public class A {
    public B b;
}
