/** sendchain examples: the static file server, the reverse proxy and the benchmarks. */
module io.sendchain.examples {
    requires io.sendchain.core;
    requires jmh.core;
    // CPU time of the benchmark threads
    requires java.management;
    requires jdk.management;
    // sendchain.FileCacheStatistics, the open file cache's flight-recorder event
    requires jdk.jfr;
    // the command line
    requires info.picocli;
    requires com.google.common;
    // sun.misc.Signal: SIGTERM and SIGINT start a graceful stop that ends with exit status 0
    requires jdk.unsupported;

    // picocli reads the commands' annotations and calls their option methods reflectively
    opens io.sendchain.examples.cli to info.picocli;
}
