package io.sendchain.examples.http;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * The flight recorder's view of a static-server worker's open file cache: every period (1 s unless the settings
 * say otherwise) the lookups that hit and missed and the evictions since its previous event, and the entries it
 * holds; emitted by {@link FileCacheEvents}.
 */
@Name("sendchain.FileCacheStatistics")
@Label("Open File Cache Statistics")
@Description("Hits, misses and evictions of a worker's open file cache since its previous event")
@Category("sendchain")
@Period("1 s")
@StackTrace(false)
final class FileCacheStatisticsEvent extends jdk.jfr.Event {

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
}
