package io.sendchain.examples.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Maps a request target to a file under the root, refusing every way out: {@code ..} above the root (also
 * percent-encoded), encoded NUL bytes, malformed escapes or UTF-8, and symbolic links that lead outside the root
 * unless allowed. nginx's {@code ngx_http_parse_complex_uri} merges slashes and resolves dot segments the same
 * way and answers 400 to a path that climbs above the root.
 */
final class UriPath {

    /** The outcome: a status (0 when the path is fine), the file, and whether the path ended with a slash. */
    record Resolved(int status, Path file, boolean slash, String path) {
    }

    private UriPath() {
    }

    /**
     * @param checkSymlinks resolve the real path and refuse it outside the root (unless
     *                      {@code symlinksOutsideRoot}); {@link FileLookup} does its own, cheaper check
     */
    static Resolved resolve(String target, Path root, boolean symlinksOutsideRoot) {
        return resolve(target, root, symlinksOutsideRoot, true);
    }

    static Resolved resolve(String target, Path root, boolean symlinksOutsideRoot, boolean checkSymlinks) {
        String t = target;
        if (t.startsWith("http://") || t.startsWith("https://")) {
            int slash = t.indexOf('/', t.indexOf("//") + 2);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        int q = indexOfAny(t, '?', '#');
        String raw = q < 0 ? t : t.substring(0, q);
        if (!raw.startsWith("/")) {
            return new Resolved(400, null, false, null);
        }
        String decoded = decode(raw);
        if (decoded == null) {
            return new Resolved(400, null, false, null);
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String seg : decoded.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (segments.isEmpty()) {
                    return new Resolved(400, null, false, null); // above the root
                }
                segments.removeLast();
                continue;
            }
            segments.addLast(seg);
        }
        boolean slash = decoded.endsWith("/") || decoded.endsWith("/.") || decoded.endsWith("/..");
        Path file = root;
        StringBuilder clean = new StringBuilder();
        for (String seg : segments) {
            try {
                file = file.resolve(seg);
            } catch (InvalidPathException e) {
                // a name the file system's encoding cannot hold (non-ASCII under a C locale): no such file
                return new Resolved(404, null, slash, null);
            }
            clean.append('/').append(seg);
        }
        if (clean.isEmpty() || slash) {
            clean.append('/');
        }
        if (!file.normalize().startsWith(root)) {
            return new Resolved(400, null, false, null);
        }
        if (!symlinksOutsideRoot && checkSymlinks) {
            try {
                Path real = file.toRealPath();
                if (!real.startsWith(root)) {
                    return new Resolved(403, null, slash, clean.toString());
                }
                file = real;
            } catch (NoSuchFileException e) {
                return new Resolved(404, null, slash, clean.toString());
            } catch (IOException | SecurityException e) {
                return new Resolved(403, null, slash, clean.toString());
            }
        }
        return new Resolved(0, file, slash, clean.toString());
    }

    /**
     * A decoded path made fit for a {@code Location} header: each UTF-8 byte outside RFC 3986's {@code pchar} and
     * {@code /} is percent-encoded, so a name with spaces, {@code %}, {@code ?}, non-ASCII letters or (from an
     * encoded CR LF) line breaks goes out as one well-formed URI and never as raw bytes in the head.
     */
    static String escape(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
            if (plain) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean plainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' || c == 0 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    /** Percent-decodes and checks UTF-8; {@code null} for a bad escape, an encoded NUL or malformed UTF-8. */
    static String decode(String raw) {
        if (plainAscii(raw)) {
            return raw; // nothing to decode: the common case costs no copy
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                int b = hi << 4 | lo;
                if (b == 0) {
                    return null;
                }
                out.write(b);
                i += 2;
            } else if (c == 0 || c > 0xff) {
                return null;
            } else {
                out.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
