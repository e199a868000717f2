package io.sendchain.examples.http;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a test proxy reports of its responses: the ones that ended incomplete, the end of one, and an event pipe that
 * read its upstream to the end.
 */
final class ResponseProbe implements ReverseProxy.Probe {

    final AtomicInteger incomplete = new AtomicInteger();
    final CountDownLatch ended = new CountDownLatch(1);
    final CountDownLatch upstreamFinished = new CountDownLatch(1);

    @Override
    public void pipeRan(long spilled, boolean finished) {
        if (finished) {
            upstreamFinished.countDown();
        }
    }

    @Override
    public void responseEnded(int status, boolean complete) {
        if (!complete) {
            incomplete.incrementAndGet();
        }
        ended.countDown();
    }
}
