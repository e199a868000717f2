package io.sendchain.examples.http;

import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Emits {@link FileCacheStatisticsEvent}s from the open file caches' counters on the flight recorder's periodic
 * thread, so lookups pay nothing for them: one event per worker's cache that was used since its previous one. The
 * event class is loaded (and its periodic hook registered) only once a recording starts in the JVM: loading the
 * first event class initializes JFR, which a server that never records should not pay for at start.
 */
final class FileCacheEvents {

    /** The caches watched, with the counts at their last event; entries go with their caches. */
    private static final ConcurrentLinkedQueue<Watched> CACHES = new ConcurrentLinkedQueue<>();

    static {
        // called at once if the recorder is initialized already, else when a recording starts
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder r) {
                FlightRecorder.addPeriodicEvent(FileCacheStatisticsEvent.class, FileCacheEvents::emitAll);
            }
        });
    }

    private FileCacheEvents() {
    }

    /** Reports {@code cache} ({@code null}: the cache is off, nothing to do) under {@code worker}'s name. */
    static void watch(String worker, OpenFileCache cache) {
        if (cache != null) {
            CACHES.add(new Watched(worker, cache));
        }
    }

    private static void emitAll() {
        for (Iterator<Watched> it = CACHES.iterator(); it.hasNext(); ) {
            Watched w = it.next();
            OpenFileCache cache = w.cache.get();
            if (cache == null) {
                it.remove();
                continue;
            }
            long hits = cache.hits();
            long misses = cache.misses();
            long evictions = cache.evictions();
            if (hits == w.hits && misses == w.misses && evictions == w.evictions) {
                continue; // an idle worker: nothing to say
            }
            FileCacheStatisticsEvent e = new FileCacheStatisticsEvent();
            e.worker = w.worker;
            e.hits = hits - w.hits;
            e.misses = misses - w.misses;
            e.evictions = evictions - w.evictions;
            e.entries = cache.entries();
            e.commit();
            w.hits = hits;
            w.misses = misses;
            w.evictions = evictions;
        }
    }

    /** A cache and its counts at its last event (the periodic thread's own). */
    private static final class Watched {
        final String worker;
        final WeakReference<OpenFileCache> cache;
        long hits;
        long misses;
        long evictions;

        Watched(String worker, OpenFileCache cache) {
            this.worker = worker;
            this.cache = new WeakReference<>(cache);
        }
    }
}
