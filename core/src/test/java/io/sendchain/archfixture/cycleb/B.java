package io.sendchain.archfixture.cycleb;

import io.sendchain.archfixture.cyclea.A;

/** Planted violation: the other half of a package cycle. */
public class B {
    public A a;
}
