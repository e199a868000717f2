package io.sendchain.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sendchain.spi.posix.PosixCalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Holds a platform's FFM bindings against a table written from the OS's headers and man pages, for bindings that
 * cannot be linked on the machine that builds them (FreeBSD's and macOS's here): each symbol, its descriptor and
 * its link options. A row is {@code "symbol  result(arg,arg|variadic)  flags"}: types are {@code int},
 * {@code long} (also {@code size_t}, {@code ssize_t}, {@code off_t}, and a buffer passed by its address) and
 * {@code ptr}; {@code |} marks the first variadic argument; flags are {@code critical} and/or {@code errno}, or
 * {@code -} for neither. {@link #posixAnd} adds the rows of the functions every POSIX platform links.
 */
public final class BindingTable {

    private final Map<String, String[]> rows = new LinkedHashMap<>();

    private BindingTable(String... rows) {
        for (String row : rows) {
            String[] f = row.trim().split("\\s+");
            if (f.length != 3 || this.rows.put(f[0], f) != null) {
                throw new IllegalArgumentException("a row is \"symbol signature flags\", once per symbol: " + row);
            }
        }
    }

    /**
     * The rows of {@code PosixCalls.SHARED}, from POSIX's headers on an LP64 system ({@code <sys/uio.h>},
     * {@code <unistd.h>}, {@code <sys/socket.h>}, {@code <fcntl.h>}, {@code <string.h>}): the same on every
     * platform. A buffer of read and write goes by its address, as {@code long}.
     */
    public static final List<String> POSIX = List.of(
            "writev      long(int,ptr,int)         critical,errno",  // ssize_t writev(int, const struct iovec *, int)
            "readv       long(int,ptr,int)         critical,errno",
            "read        long(int,long,long)       critical,errno",  // ssize_t read(int, void *, size_t)
            "write       long(int,long,long)       critical,errno",
            "setsockopt  int(int,int,int,ptr,int)  critical,errno",  // (int, int, int, const void *, socklen_t)
            "getsockopt  int(int,int,int,ptr,ptr)  critical,errno",  // (int, int, int, void *, socklen_t *)
            "socket      int(int,int,int)          errno",
            "bind        int(int,ptr,int)          errno",           // (int, const struct sockaddr *, socklen_t)
            "listen      int(int,int)              errno",
            "connect     int(int,ptr,int)          errno",
            "getsockname int(int,ptr,ptr)          errno",           // (int, struct sockaddr *, socklen_t *)
            "getpeername int(int,ptr,ptr)          errno",
            "shutdown    int(int,int)              critical,errno",
            "close       int(int)                  critical,errno",
            "open        int(ptr,int|int)          errno",           // int open(const char *, int, ...)
            "sysconf     long(int)                 errno",
            "strerror    ptr(int)                  -");              // char *strerror(int)

    /** The table, one row per function. */
    public static BindingTable of(String... rows) {
        return new BindingTable(rows);
    }

    /** {@link #POSIX}'s rows and the platform's own. */
    public static BindingTable posixAnd(String... own) {
        return new BindingTable(java.util.stream.Stream.concat(POSIX.stream(), Arrays.stream(own))
                .toArray(String[]::new));
    }

    /**
     * Asserts that {@code bindings} are exactly the table's functions, each with the table's descriptor and
     * options as the platform makes them.
     */
    public void check(List<PosixCalls.Binding> bindings, Function<PosixCalls.Binding, FunctionDescriptor> descriptor,
            Function<PosixCalls.Binding, Linker.Option[]> options) {
        assertEquals(rows.keySet(), new java.util.LinkedHashSet<>(bindings.stream().map(PosixCalls.Binding::symbol)
                .toList()), "the functions the platform links");
        assertEquals(rows.size(), bindings.size(), "each function once");
        for (PosixCalls.Binding b : bindings) {
            String[] row = rows.get(b.symbol());
            String sig = row[1];
            int open = sig.indexOf('(');
            String argText = sig.substring(open + 1, sig.length() - 1);
            int variadic = -1;
            List<MemoryLayout> args = new ArrayList<>();
            for (String part : argText.isEmpty() ? new String[0] : argText.split(",")) {
                for (String t : part.split("\\|", -1)) {
                    if (t.isEmpty()) {
                        continue;
                    }
                    args.add(layout(t));
                }
                if (part.contains("|")) {
                    variadic = args.size() - (part.endsWith("|") ? 0 : 1);
                }
            }
            String result = sig.substring(0, open);
            FunctionDescriptor expected = result.equals("void")
                    ? FunctionDescriptor.ofVoid(args.toArray(MemoryLayout[]::new))
                    : FunctionDescriptor.of(layout(result), args.toArray(MemoryLayout[]::new));
            assertEquals(expected, descriptor.apply(b), b.symbol() + ": descriptor");
            List<Linker.Option> want = new ArrayList<>();
            if (row[2].contains("errno")) {
                want.add(Linker.Option.captureCallState("errno"));
            }
            if (row[2].contains("critical")) {
                want.add(Linker.Option.critical(false));
            }
            if (variadic >= 0) {
                want.add(Linker.Option.firstVariadicArg(variadic));
            }
            assertEquals(want, Arrays.asList(options.apply(b)), b.symbol() + ": link options");
        }
    }

    private static MemoryLayout layout(String type) {
        return switch (type) {
            case "int" -> ValueLayout.JAVA_INT;
            case "long" -> ValueLayout.JAVA_LONG;
            case "ptr" -> ValueLayout.ADDRESS;
            default -> throw new IllegalArgumentException("unknown type in a binding table: " + type);
        };
    }
}
