package io.sendchain.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sendchain.testkit.Seeds;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The balancer on its own: nginx's smooth weighted round robin, max_fails and fail_timeout, and its cost. */
class UpstreamPeersTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private UpstreamPeers peers(String... specs) {
        List<ProxyConfig.UpstreamServer> servers = new ArrayList<>();
        for (String s : specs) {
            servers.add(ProxyConfig.UpstreamServer.parse(s));
        }
        return new UpstreamPeers(servers, now::get);
    }

    private static int pick(UpstreamPeers p) {
        long[] tried = p.newTried();
        return p.get(tried);
    }

    @Test
    void everyCycleOfTheWeightsSumGivesEachServerExactlyItsWeight() {
        long seed = Seeds.seed("UpstreamPeersTest.weights");
        Random r = new Random(seed);
        for (int round = 0; round < 50; round++) {
            int n = 1 + r.nextInt(70); // more than one word of tried bits
            String[] specs = new String[n];
            int[] weight = new int[n];
            int sum = 0;
            for (int i = 0; i < n; i++) {
                weight[i] = 1 + r.nextInt(10);
                sum += weight[i];
                specs[i] = "127.0.0.1:" + (1000 + i) + ",weight=" + weight[i];
            }
            UpstreamPeers p = peers(specs);
            for (int cycle = 0; cycle < 3; cycle++) {
                int[] got = new int[n];
                for (int k = 0; k < sum; k++) {
                    got[pick(p)]++;
                }
                assertTrue(Arrays.equals(weight, got), "seed " + seed + ": weights " + Arrays.toString(weight)
                        + " got " + Arrays.toString(got));
            }
        }
    }

    @Test
    void aRequestNeverTriesAServerTwiceAndRunsOutAfterAllOfThem() {
        UpstreamPeers p = peers("127.0.0.1:1", "127.0.0.1:2,weight=4", "127.0.0.1:3");
        long[] tried = p.newTried();
        boolean[] seen = new boolean[3];
        for (int i = 0; i < 3; i++) {
            int peer = p.get(tried);
            assertFalse(seen[peer], "server " + peer + " twice");
            seen[peer] = true;
        }
        assertEquals(-1, p.get(tried));
    }

    @Test
    void aServerThatFailedMaxFailsTimesIsLeftOutForFailTimeoutAndAnAnswerClearsItsFailures() {
        UpstreamPeers p = peers("127.0.0.1:1,max_fails=2,fail_timeout=10s", "127.0.0.1:2");
        p.free(0, true);
        assertFalse(p.down(0), "one failure of two");
        p.free(0, true);
        assertTrue(p.down(0));
        for (int i = 0; i < 10; i++) {
            assertEquals(1, pick(p));
        }
        now.addAndGet(10_000);
        assertTrue(p.down(0), "still within fail_timeout");
        now.addAndGet(1);
        assertFalse(p.down(0));
        int picks = 0;
        while (pick(p) != 0) {
            picks++;
            assertTrue(picks < 10, "server 0 is tried again within a few picks");
        }
        p.free(0, false); // it answered: its failures are cleared
        p.free(0, true);
        assertFalse(p.down(0), "one failure of two again");
    }

    @Test
    void maxFailsZeroAndASingleServerAreNeverTakenOut() {
        UpstreamPeers p = peers("127.0.0.1:1,max_fails=0", "127.0.0.1:2");
        for (int i = 0; i < 5; i++) {
            p.free(0, true);
        }
        assertFalse(p.down(0));
        UpstreamPeers single = peers("127.0.0.1:1");
        single.free(0, true);
        assertFalse(single.down(0));
        assertEquals(0, pick(single));
    }

    @Test
    void everyServerLeftOutIsNoLiveUpstreams() {
        UpstreamPeers p = peers("127.0.0.1:1", "127.0.0.1:2");
        p.free(0, true);
        p.free(1, true);
        assertEquals(-1, pick(p));
    }

    @Test
    void pickingAServerAllocatesNothing() {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        UpstreamPeers p = peers("127.0.0.1:1,weight=3", "127.0.0.1:2", "127.0.0.1:3,max_fails=2");
        p.free(2, true);
        long[] tried = p.newTried();
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up: the JIT's own work is not the path's
            Arrays.fill(tried, 0L);
            sink += p.get(tried);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            Arrays.fill(tried, 0L);
            sink += p.get(tried);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 4096, "bytes allocated by 100,000 picks: " + allocated + " (" + sink + ")");
    }

}
