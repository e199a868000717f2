package io.sendchain.examples.http;

import java.util.Locale;
import java.util.Map;

/** Content types by file extension: the common part of nginx's {@code mime.types}. */
final class Mime {

    static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("shtml", "text/html"),
            Map.entry("css", "text/css"), Map.entry("xml", "text/xml"), Map.entry("txt", "text/plain"),
            Map.entry("csv", "text/csv"), Map.entry("md", "text/markdown"),
            Map.entry("js", "application/javascript"), Map.entry("mjs", "application/javascript"),
            Map.entry("json", "application/json"), Map.entry("wasm", "application/wasm"),
            Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"),
            Map.entry("gz", "application/gzip"), Map.entry("tar", "application/x-tar"),
            Map.entry("gif", "image/gif"), Map.entry("jpeg", "image/jpeg"), Map.entry("jpg", "image/jpeg"),
            Map.entry("png", "image/png"), Map.entry("svg", "image/svg+xml"), Map.entry("svgz", "image/svg+xml"),
            Map.entry("webp", "image/webp"), Map.entry("ico", "image/x-icon"), Map.entry("avif", "image/avif"),
            Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"),
            Map.entry("mp3", "audio/mpeg"), Map.entry("ogg", "audio/ogg"), Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"), Map.entry("bin", DEFAULT), Map.entry("iso", DEFAULT));

    private Mime() {
    }

    static String of(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return DEFAULT;
        }
        return TYPES.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
