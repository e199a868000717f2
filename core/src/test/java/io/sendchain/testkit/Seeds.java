package io.sendchain.testkit;

/**
 * Seeds for randomised tests: {@code -Dsendchain.seed=N} replays a run; otherwise a fresh seed is drawn.
 * Every randomised test prints the seed it used, so a failure can be replayed.
 */
public final class Seeds {

    private Seeds() {
    }

    public static long seed(String testName) {
        String fixed = System.getProperty("sendchain.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime() ^ Thread.currentThread().threadId();
        System.out.println(testName + ": seed " + seed + " (replay with -Dsendchain.seed=" + seed + ")");
        return seed;
    }
}
