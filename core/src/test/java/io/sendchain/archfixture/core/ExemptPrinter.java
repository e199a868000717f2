package io.sendchain.archfixture.core;

import io.sendchain.annotations.Exempt;

/** An accepted exception: exempt from the standard-streams rule, with its reason. */
@Exempt(rules = "no-standard-streams", because = "fixture for the exemption mechanism")
public class ExemptPrinter {
    public void report(String s) {
        System.err.println(s);
    }
}
