package io.sendchain.archfixture.core;

/** Planted violation: library code writing to the console. */
public class PrintsToStdout {
    public void report(String s) {
        System.out.println(s);
    }
}
