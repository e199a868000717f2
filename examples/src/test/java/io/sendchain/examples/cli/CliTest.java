package io.sendchain.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import io.sendchain.examples.http.ProxyConfig;
import io.sendchain.examples.http.StaticConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The picocli command line: every flag of the hand-written one, its defaults, converters, errors and extras. */
class CliTest {

    /** The flags the hand-written parser took (issue 16 replaced it); none may go. */
    private static final Set<String> STATIC_FLAGS = Set.of("--root", "--listen", "--platform", "--sendfile",
            "--sendfile-max-chunk", "--output-buffers", "--aio-threads", "--directio", "--limit-rate",
            "--limit-rate-after", "--workers", "--reuseport", "--access-log", "--send-timeout", "--keepalive-timeout",
            "--header-timeout", "--client-max-body-size", "--lingering-time", "--lingering-timeout",
            "--client-header-buffer-size", "--large-client-header-buffers", "--worker-memory", "--status",
            "--tcp-nopush", "--tcp-nopush-skip", "--msg-more-max", "--tcp-nodelay", "--symlinks-outside-root",
            "--open-file-cache", "--open-file-cache-valid", "--open-file-cache-min-uses", "--open-file-cache-errors",
            "--help", "-h");
    private static final Set<String> PROXY_FLAGS = Set.of("--upstream", "--upstream-name", "--proxy-next-upstream",
            "--proxy-next-upstream-tries", "--listen", "--platform", "--buffering", "--buffer-size", "--buffers",
            "--busy-buffers-size", "--max-temp-file-size", "--temp-file-write-size", "--temp-path", "--limit-rate",
            "--connect-timeout", "--read-timeout", "--send-timeout", "--upstream-keepalive",
            "--upstream-keepalive-requests", "--upstream-keepalive-timeout", "--client-max-body-size",
            "--client-header-buffer-size", "--large-client-header-buffers", "--keepalive-timeout", "--worker-memory",
            "--status", "--workers", "--reuseport", "--access-log", "--help", "-h");
    /** What the new command line adds to each server. */
    private static final Set<String> ADDED = Set.of("--version", "-V", "--shutdown-timeout");
    /** Flags added after the command line moved to picocli, by command. */
    private static final Set<String> STATIC_ADDED = Set.of("--open-file-cache-memory",
            "--open-file-cache-memory-max-file", "--client-header-timeout");
    private static final Set<String> PROXY_ADDED = Set.of("--proxy-request-buffering", "--client-body-buffer-size",
            "--proxy-splice", "--header-timeout", "--client-header-timeout", "--proxy-connect-timeout",
            "--proxy-read-timeout", "--proxy-send-timeout");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private CommandLine cli() {
        return Cli.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int run(String... args) {
        return cli().execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The command object {@code args} parse into. */
    @SuppressWarnings("unchecked")
    private <T> T parse(String... args) {
        return (T) cli().parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void eachServerHasEveryFlagItHadAndOnlyTheOnesAdded() {
        CommandLine cl = cli();
        assertEquals(new TreeSet<>(union(union(STATIC_FLAGS, ADDED), STATIC_ADDED)),
                new TreeSet<>(cl.getSubcommands().get("static").getCommandSpec().optionsMap().keySet()));
        assertEquals(new TreeSet<>(union(union(PROXY_FLAGS, ADDED), PROXY_ADDED)),
                new TreeSet<>(cl.getSubcommands().get("proxy").getCommandSpec().optionsMap().keySet()));
        assertEquals(new TreeSet<>(Set.of("--platform", "--help", "-h", "--version", "-V")),
                new TreeSet<>(cl.getSubcommands().get("platforms").getCommandSpec().optionsMap().keySet()));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    @Test
    void everyStaticFlagAsTheOldCommandLineWroteItSetsItsSetting(@TempDir Path dir) throws Exception {
        StaticCommand c = parse("static", "--root", dir.toString(), "--listen", "127.0.0.2:8000", "--platform",
                "generic", "--sendfile", "off", "--sendfile-max-chunk", "1m", "--output-buffers", "4", "16k",
                "--aio-threads", "2", "--directio", "4m", "--limit-rate", "100k", "--limit-rate-after", "1m",
                "--workers", "3", "--reuseport", "off", "--access-log", "on", "--send-timeout", "30s",
                "--keepalive-timeout", "1m", "--header-timeout", "10s", "--client-max-body-size", "2m",
                "--lingering-time", "20s", "--lingering-timeout", "2s", "--client-header-buffer-size", "2k",
                "--large-client-header-buffers", "8", "16k", "--worker-memory", "1g", "--status", "on",
                "--tcp-nopush", "off", "--tcp-nopush-skip", "0-0", "--msg-more-max", "0", "--tcp-nodelay", "off",
                "--symlinks-outside-root", "on", "--open-file-cache", "max=100", "inactive=20s",
                "--open-file-cache-valid", "30s", "--open-file-cache-min-uses", "2", "--open-file-cache-errors", "on",
                "--shutdown-timeout", "1m30s");
        assertEquals(dir, c.root());
        StaticConfig expected = StaticConfig.builder().root(dir).listen(new InetSocketAddress("127.0.0.2", 8000))
                .platform("generic").sendfile(false).sendfileMaxChunk(1 << 20).outputBuffers(4, 16 << 10)
                .aioThreads(2).directio(4 << 20).limitRate(100 << 10).limitRateAfter(1 << 20).workers(3)
                .reusePort(false).accessLog(true).clientSendTimeoutMillis(30_000).keepaliveTimeoutMillis(60_000)
                .headerTimeoutMillis(10_000).clientMaxBodySize(2 << 20).lingeringTimeMillis(20_000)
                .lingeringTimeoutMillis(2_000).headerBufferSize(2048).largeHeaderBuffers(8, 16 << 10)
                .workerMemory(1L << 30).status(true).tcpNopush(false).corkSkip(0, 0).msgMoreMax(0).tcpNodelay(false)
                .symlinksOutsideRoot(true).openFileCache(new StaticConfig.FileCache(100, 20_000, 30_000, 2, true))
                .build();
        assertEquals(expected, c.config(dir));
        assertEquals(90_000, c.shutdownTimeoutMillis);
    }

    @Test
    void everyProxyFlagAsTheOldCommandLineWroteItSetsItsSetting(@TempDir Path dir) {
        ProxyCommand c = parse("proxy", "--upstream", "10.0.0.1:8080,weight=3", "--upstream",
                "10.0.0.2:8080,max_fails=3,fail_timeout=30s", "--upstream-name", "backend", "--proxy-next-upstream",
                "error,timeout,http_502", "--proxy-next-upstream-tries", "2", "--listen", "127.0.0.1:9000",
                "--platform", "generic", "--buffering", "off", "--buffer-size", "8k", "--buffers", "16", "8k",
                "--busy-buffers-size", "16k", "--max-temp-file-size", "0", "--temp-file-write-size", "16k",
                "--temp-path", dir.toString(), "--limit-rate", "1m", "--connect-timeout", "5s", "--read-timeout",
                "30s", "--send-timeout", "20s", "--proxy-send-timeout", "25s", "--upstream-keepalive", "0", "--upstream-keepalive-requests", "10",
                "--upstream-keepalive-timeout", "5s", "--client-header-timeout", "20s", "--client-max-body-size", "0",
                "--client-header-buffer-size",
                "4k", "--large-client-header-buffers", "2", "1k", "--keepalive-timeout", "5s", "--worker-memory",
                "0", "--status", "on", "--workers", "2", "--reuseport", "off", "--access-log", "on");
        ProxyConfig expected = ProxyConfig.builder()
                .upstream(ProxyConfig.UpstreamServer.parse("10.0.0.1:8080,weight=3"))
                .upstream(ProxyConfig.UpstreamServer.parse("10.0.0.2:8080,max_fails=3,fail_timeout=30s"))
                .upstreamName("backend").nextUpstream(ProxyConfig.nextUpstream("error timeout http_502"))
                .nextUpstreamTries(2).listen(new InetSocketAddress("127.0.0.1", 9000)).platform("generic")
                .buffering(false).bufferSize(8192).buffers(16, 8192).busyBuffersSize(16384).maxTempFileSize(0)
                .tempFileWriteSize(16384).tempPath(dir).limitRate(1 << 20).connectTimeoutMillis(5_000)
                .readTimeoutMillis(30_000).sendTimeoutMillis(25_000).clientSendTimeoutMillis(20_000).upstreamKeepalive(0)
                .upstreamKeepaliveRequests(10).upstreamKeepaliveTimeoutMillis(5_000).headerTimeoutMillis(20_000)
                .clientMaxBodySize(0)
                .headerBufferSize(4096).largeHeaderBuffers(2, 1024).keepaliveTimeoutMillis(5_000).workerMemory(0)
                .status(true).workers(2).reusePort(false).accessLog(true).build();
        assertEquals(expected, c.config());
    }

    @Test
    void theDefaultsShownAndAppliedAreTheBuildersOwn(@TempDir Path dir) {
        StaticCommand s = parse("static");
        assertEquals(StaticConfig.builder().root(dir).build(), s.config(dir));
        assertEquals(10_000, s.shutdownTimeoutMillis);
        ProxyCommand p = parse("proxy", "--upstream", "127.0.0.1:1");
        assertEquals(ProxyConfig.builder().upstream(ProxyConfig.UpstreamServer.parse("127.0.0.1:1")).build(),
                p.config());
    }

    @Test
    void helpShowsEachDefaultInBracketsAfterItsMeaning() {
        assertEquals(0, run("static", "--help"));
        String help = out();
        assertTrue(help.contains("--sendfile-max-chunk SIZE") && help.contains("most bytes per send call [2m]")
                && help.contains("--output-buffers N SIZE") && help.contains("[2 32k]")
                && help.contains("--shutdown-timeout TIME") && help.contains("[10s]"), help);
    }

    @Test
    void aMistypedOptionGetsTheNearestOneSuggested() {
        assertEquals(2, run("static", "--hlep"));
        assertTrue(err().contains("sendchain static: unknown option \"--hlep\"\ndid you mean --help?\n"
                + "try: sendchain static --help"), err());
        assertEquals(2, run("proxy", "--bufers", "2", "4k"));
        assertTrue(err().contains("did you mean --buffers?"), err());
        assertEquals(2, run("statc"));
        assertTrue(err().contains("unknown command \"statc\"\ndid you mean static?"), err());
    }

    @Test
    void versionIsTheProjectsVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out().matches("(?s)sendchain \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n.*"), out());
        assertEquals(0, run("static", "-V"));
    }

    @Test
    void sizesAndTimesAreWrittenAsNginxWritesThem(@TempDir Path dir) {
        StaticCommand c = parse("static", "--sendfile-max-chunk", "1g", "--send-timeout", "1m30s",
                "--lingering-timeout", "500ms", "--keepalive-timeout", "1h", "--header-timeout", "7",
                "--limit-rate", "512K");
        StaticConfig config = c.config(dir);
        assertEquals(1L << 30, config.sendfileMaxChunk());
        assertEquals(90_000, config.clientSendTimeoutMillis());
        assertEquals(500, config.lingeringTimeoutMillis());
        assertEquals(3_600_000, config.keepaliveTimeoutMillis());
        assertEquals(7_000, config.headerTimeoutMillis()); // a bare number is seconds, as in nginx
        assertEquals(512 << 10, config.limitRate());
        assertEquals(2, run("static", "--send-timeout", "soon"));
        assertEquals(2, run("static", "--directio", "4x"));
        assertEquals(2, run("static", "--workers", "many"));
        assertTrue(err().contains("sendchain static: --send-timeout takes a time such as 500ms, 60s, 1m30s or 2h, "
                + "not \"soon\"") && err().contains("--directio takes a size such as 512, 4k, 2m or 1g, not \"4x\"")
                && err().contains("--workers takes a whole number, not \"many\""), err());
    }

    @Test
    void listenTakesIpv6InBracketsAndRefusesWhatIsNotAnAddress(@TempDir Path dir) throws Exception {
        StaticCommand c = parse("static", "--listen", "[::1]:8080");
        InetSocketAddress a = c.config(dir).listen();
        assertEquals(InetAddress.getByName("::1"), a.getAddress());
        assertEquals(8080, a.getPort());
        assertEquals(2, run("static", "--listen", "127.0.0.1"));
        assertEquals(2, run("static", "--listen", "999.1.1.1:80"));
        assertEquals(2, run("static", "--listen", "127.0.0.1:65536"));
        assertTrue(err().contains("--listen needs HOST:PORT, not \"127.0.0.1\"")
                && err().contains("\"999.1.1.1\" in \"999.1.1.1:80\" is not an IP address"), err());
    }

    @Test
    void completionPrintsABashScriptWithEveryCommandAndOption() {
        assertEquals(0, run("completion"));
        String script = out();
        assertTrue(script.startsWith("#!/usr/bin/env bash") && script.contains("complete -F")
                && script.contains("--sendfile-max-chunk") && script.contains("--upstream-keepalive-timeout")
                && script.contains("platforms"), script.substring(0, Math.min(400, script.length())));
    }

    @Test
    void noCommandPrintsTheCommandsAsAUsageError() {
        assertEquals(2, run());
        assertTrue(out().contains("static") && out().contains("proxy") && out().contains("platforms")
                && out().contains("completion"), out());
    }

    @Test
    void valuesFromTheCommandLineCompareByValue() {
        new EqualsTester()
                .addEqualityGroup(Size.parse("4k"), Size.parse("4096"), new Size(4096))
                .addEqualityGroup(Size.parse("4m"))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(Time.parse("90s"), Time.parse("1m30s"), Time.parse("90"))
                .addEqualityGroup(Time.parse("90ms"))
                .testEquals();
        new EqualsTester()
                .addEqualityGroup(ProxyConfig.UpstreamServer.parse("127.0.0.1:80"),
                        ProxyConfig.UpstreamServer.parse("127.0.0.1:80,weight=1,max_fails=1,fail_timeout=10s"))
                .addEqualityGroup(ProxyConfig.UpstreamServer.parse("127.0.0.1:80,weight=2"))
                .addEqualityGroup(ProxyConfig.UpstreamServer.parse("[::1]:80"))
                .testEquals();
    }

    @Test
    void typosAreCountedAsOptimalStringAlignment() {
        assertEquals(1, Cli.typos("hlep", "help"));
        assertEquals(1, Cli.typos("bufers", "buffers"));
        assertEquals(0, Cli.typos("", ""));
        assertEquals(4, Cli.typos("", "help"));
        assertEquals(2, Cli.typos("abcd", "badc"));
    }
}
