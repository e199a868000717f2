package io.sendchain.examples.http;

import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * The flight recorder's view of the static server's open file caches: every period (1 s unless the settings say
 * otherwise) one event per worker's cache that was used since with the lookups that hit and missed, and the evictions, since its
 * previous event, and the entries it holds. Read from the cache's counters by the recorder's periodic thread, so
 * the lookups themselves pay nothing for it.
 */
@Name("sendchain.FileCacheStatistics")
@Label("Open File Cache Statistics")
@Description("Hits, misses and evictions of a worker's open file cache since its previous event")
@Category("sendchain")
@Period("1 s")
@StackTrace(false)
final class FileCacheStatisticsEvent extends jdk.jfr.Event {

    /** The caches watched, with the counts at their last event; entries go with their caches. */
    private static final ConcurrentLinkedQueue<Watched> CACHES = new ConcurrentLinkedQueue<>();

    static {
        FlightRecorder.addPeriodicEvent(FileCacheStatisticsEvent.class, FileCacheStatisticsEvent::emitAll);
    }

    @Label("Worker")
    String worker;

    @Label("Hits")
    long hits;

    @Label("Misses")
    long misses;

    @Label("Evictions")
    long evictions;

    @Label("Entries")
    long entries;

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
