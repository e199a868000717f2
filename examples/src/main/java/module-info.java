/** sendchain examples: the static file server, the reverse proxy and the benchmarks. */
module io.sendchain.examples {
    requires io.sendchain.core;
    requires jmh.core;
    // CPU time of the benchmark threads
    requires java.management;
    requires jdk.management;
    // sendchain.FileCacheStatistics, the open file cache's flight-recorder event
    requires jdk.jfr;
}
