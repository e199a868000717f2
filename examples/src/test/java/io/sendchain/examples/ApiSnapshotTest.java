package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of every sendchain module, as checked-in text: every public or protected member of every public type
 * in every package a module exports ({@code api/<module>.txt} at the repository's root). A change to the API or the
 * SPI then shows as a reviewed diff of those files. Also counts the user-facing packages of core the way
 * {@code javap -public} shows them and keeps the count under {@link #USER_FACING_LIMIT}.
 *
 * <p>Regenerate the files after an intended change with {@code ./mvnw -B -ntp verify -Dsendchain.api.update=true}.
 */
class ApiSnapshotTest {

    /**
     * Most public members core's user-facing packages ({@code buf}, {@code output}, {@code event}, {@code loop},
     * {@code pipe}) may have, counted as {@code javap -public} shows them: issue 12's budget. A change that needs more
     * makes room first (platform-facing members belong in {@code io.sendchain.spi}, core-internal ones in
     * {@code io.sendchain.internal}) or argues for a new limit in review.
     */
    static final int USER_FACING_LIMIT = 240;

    private static final List<String> USER_FACING = List.of("io.sendchain.buf", "io.sendchain.output",
            "io.sendchain.event", "io.sendchain.loop", "io.sendchain.pipe");

    private static final String UPDATE = "sendchain.api.update";
    private static final String REGENERATE = "./mvnw -B -ntp verify -D" + UPDATE + "=true";

    @Test
    void theApiOfEveryModuleMatchesItsCheckedInSnapshot() throws IOException {
        Map<String, ApiModule> modules = modules();
        assertTrue(modules.containsKey("core"), "core found on the class path: " + modules.keySet());
        Path dir = repositoryRoot().resolve("api");
        boolean update = Boolean.getBoolean(UPDATE);
        StringBuilder diffs = new StringBuilder();
        Set<String> expectedFiles = new TreeSet<>();
        for (Map.Entry<String, ApiModule> e : modules.entrySet()) {
            String file = e.getKey() + ".txt";
            expectedFiles.add(file);
            String actual = snapshot(e.getValue());
            Path path = dir.resolve(file);
            if (update) {
                Files.createDirectories(dir);
                Files.writeString(path, actual, StandardCharsets.UTF_8);
                continue;
            }
            String expected = Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
            if (!expected.equals(actual)) {
                diffs.append("api/").append(file).append(Files.exists(path) ? "" : " (missing)").append(":\n")
                        .append(diff(expected, actual));
            }
        }
        if (update) {
            System.err.println("ApiSnapshotTest: wrote " + expectedFiles + " in " + dir);
        }
        try (Stream<Path> files = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".txt") && !expectedFiles.contains(name)) {
                    if (update) {
                        Files.delete(p);
                    } else {
                        diffs.append("api/").append(name).append(": no module exports this any more\n");
                    }
                }
            }
        }
        if (!diffs.isEmpty()) {
            fail("the public API differs from the checked-in snapshot (- snapshot, + now); if the change is "
                    + "intended, regenerate the snapshot with\n    " + REGENERATE + "\nand commit api/*.txt.\n"
                    + diffs);
        }
    }

    @Test
    void theUserFacingPackagesOfCoreStayWithinTheirLimit() throws IOException {
        ApiModule core = modules().get("core");
        int total = 0;
        StringBuilder perPackage = new StringBuilder();
        for (String pkg : USER_FACING) {
            int n = 0;
            for (Class<?> type : core.types(pkg)) {
                n += javapPublicCount(type);
            }
            perPackage.append(' ').append(pkg.substring(pkg.lastIndexOf('.') + 1)).append(' ').append(n);
            total += n;
        }
        System.err.println("ApiSnapshotTest: user-facing public members:" + perPackage + "; total " + total
                + " (limit " + USER_FACING_LIMIT + ")");
        assertTrue(total <= USER_FACING_LIMIT, "core's user-facing packages have " + total
                + " public members (" + perPackage.toString().trim() + "), more than " + USER_FACING_LIMIT);
    }

    // ---------------------------------------------------------------- the modules and their exported types

    /** A sendchain module found on the class path: its descriptor and where its classes are. */
    record ApiModule(ModuleDescriptor descriptor, Path location) {

        /** The exported packages (to everyone). */
        List<String> exported() {
            return descriptor.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                    .sorted().toList();
        }

        /** The public types of {@code pkg} whose enclosing types are public too, nested ones included. */
        List<Class<?>> types(String pkg) throws IOException {
            List<Class<?>> out = new ArrayList<>();
            for (String name : classNames(pkg)) {
                Class<?> c;
                try {
                    c = Class.forName(name, false, ApiSnapshotTest.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("class " + name + " of " + location + " not loadable", e);
                }
                if (visible(c)) {
                    out.add(c);
                }
            }
            out.sort((a, b) -> a.getName().compareTo(b.getName()));
            return out;
        }

        private List<String> classNames(String pkg) throws IOException {
            String dir = pkg.replace('.', '/');
            if (Files.isDirectory(location)) {
                Path d = location.resolve(dir);
                try (Stream<Path> s = Files.list(d)) {
                    return s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".class"))
                            .map(f -> pkg + "." + f.substring(0, f.length() - ".class".length())).toList();
                }
            }
            try (var jar = new java.util.jar.JarFile(location.toFile())) {
                return jar.stream().map(java.util.jar.JarEntry::getName)
                        .filter(n -> n.startsWith(dir + "/") && n.endsWith(".class")
                                && n.indexOf('/', dir.length() + 1) < 0)
                        .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).toList();
            }
        }
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> t = c; t != null; t = t.getDeclaringClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass()
                    || t.isSynthetic()) {
                return false;
            }
        }
        return true;
    }

    /** The sendchain modules on the class path by short name ({@code core}, {@code platform-linux}, ...). */
    static Map<String, ApiModule> modules() {
        Map<String, ApiModule> out = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!Files.exists(p)) {
                continue;
            }
            for (ModuleReference ref : findModules(p)) {
                String name = ref.descriptor().name();
                if (name.startsWith("io.sendchain.") && !ref.descriptor().isAutomatic()) {
                    out.putIfAbsent(name.substring("io.sendchain.".length()).replace('.', '-'),
                            new ApiModule(ref.descriptor(), p));
                }
            }
        }
        return out;
    }

    static Set<ModuleReference> findModules(Path p) {
        if (Files.isDirectory(p) && !Files.exists(p.resolve("module-info.class"))) {
            return Set.of(); // a directory of classes without a descriptor (test classes): not a module
        }
        try {
            return ModuleFinder.of(p).findAll();
        } catch (RuntimeException e) {
            return Set.of(); // not something the module system reads (a jar with a bad automatic name)
        }
    }

    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("core"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (with mvnw and core/) above " + Path.of("")
                .toAbsolutePath());
    }

    // ---------------------------------------------------------------- the snapshot text

    /** One line per type, then its members indented, each sorted: stable from one JDK run to the next. */
    static String snapshot(ApiModule m) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("module ").append(m.descriptor().name()).append('\n');
        for (String pkg : m.exported()) {
            sb.append("exports ").append(pkg).append('\n');
        }
        for (String pkg : m.exported()) {
            for (Class<?> c : m.types(pkg)) {
                sb.append('\n').append(header(c)).append('\n');
                for (String member : members(c)) {
                    sb.append("  ").append(member).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String header(Class<?> c) {
        int mods = c.getModifiers() & (c.isInterface() ? Modifier.interfaceModifiers() : Modifier.classModifiers());
        if (c.isInterface()) {
            mods &= ~Modifier.ABSTRACT;
        }
        if (c.isEnum() || c.isRecord()) {
            mods &= ~(Modifier.FINAL | Modifier.STATIC);
        }
        if (c.isInterface() || c.isEnum() || c.isRecord()) {
            mods &= ~Modifier.STATIC;
        }
        String kind = c.isAnnotation() ? "@interface" : c.isInterface() ? "interface" : c.isEnum() ? "enum"
                : c.isRecord() ? "record" : "class";
        StringBuilder sb = new StringBuilder();
        String m = Modifier.toString(mods);
        if (c.isSealed()) {
            m = m.isEmpty() ? "sealed" : m + " sealed";
        }
        sb.append(m.isEmpty() ? "" : m + " ").append(kind).append(' ').append(c.getName())
                .append(typeParams(c.getTypeParameters()));
        Type sup = c.getGenericSuperclass();
        if (sup != null && sup != Object.class && !c.isEnum() && !c.isRecord()) {
            sb.append(" extends ").append(sup.getTypeName());
        }
        List<String> ifaces = Arrays.stream(c.getGenericInterfaces()).map(Type::getTypeName).sorted().toList();
        if (c.isAnnotation()) {
            ifaces = List.of();
        }
        if (!ifaces.isEmpty()) {
            sb.append(c.isInterface() ? " extends " : " implements ").append(String.join(", ", ifaces));
        }
        if (c.isSealed()) {
            sb.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getName).sorted()
                    .collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    /**
     * The public and protected members a user of {@code c} sees that it declares, plus those it inherits from
     * non-public superclasses and superinterfaces (they are part of its API, though their declaring type is not).
     */
    private static Set<String> members(Class<?> c) {
        Set<String> out = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        for (Class<?> t : declaringChain(c)) {
            for (Field f : t.getDeclaredFields()) {
                if (exposed(f.getModifiers()) && !f.isSynthetic() && seen.add("f " + f.getName())) {
                    out.add(modifiers(f.getModifiers() & Modifier.fieldModifiers(), c) + f.getGenericType()
                            .getTypeName() + " " + f.getName());
                }
            }
            if (t == c) {
                for (Constructor<?> k : t.getDeclaredConstructors()) {
                    if (exposed(k.getModifiers()) && !k.isSynthetic()) {
                        out.add(executable(k, c, null));
                    }
                }
            }
            for (Method m : t.getDeclaredMethods()) {
                if (exposed(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()
                        && seen.add("m " + m.getName() + Arrays.toString(m.getParameterTypes()))) {
                    out.add(executable(m, c, m.getGenericReturnType()));
                }
            }
        }
        return out;
    }

    /** {@code c}, then its non-public superclasses and superinterfaces (whose public members {@code c} exposes). */
    private static List<Class<?>> declaringChain(Class<?> c) {
        Set<Class<?>> out = new LinkedHashSet<>();
        out.add(c);
        List<Class<?>> todo = new ArrayList<>();
        todo.add(c);
        while (!todo.isEmpty()) {
            Class<?> t = todo.removeFirst();
            List<Class<?>> supers = new ArrayList<>(Arrays.asList(t.getInterfaces()));
            if (t.getSuperclass() != null) {
                supers.addFirst(t.getSuperclass());
            }
            for (Class<?> s : supers) {
                if (!Modifier.isPublic(s.getModifiers()) && out.add(s)) {
                    todo.add(s);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static boolean exposed(int mods) {
        return Modifier.isPublic(mods) || Modifier.isProtected(mods);
    }

    private static String modifiers(int mods, Class<?> owner) {
        if (owner.isInterface()) {
            mods &= ~(Modifier.PUBLIC | Modifier.ABSTRACT);
            if (Modifier.isStatic(mods) && Modifier.isFinal(mods)) {
                mods &= ~(Modifier.STATIC | Modifier.FINAL); // an interface's constants
            }
        }
        String m = Modifier.toString(mods);
        return m.isEmpty() ? "" : m + " ";
    }

    private static String executable(Executable e, Class<?> owner, Type returns) {
        int mods = e.getModifiers() & (e instanceof Method ? Modifier.methodModifiers()
                : Modifier.constructorModifiers());
        if (e instanceof Method m && m.isDefault()) {
            mods &= ~Modifier.PUBLIC;
        }
        StringBuilder sb = new StringBuilder(modifiers(mods, owner));
        if (e instanceof Method m && m.isDefault()) {
            sb.append("default ");
        }
        String tp = typeParams(e.getTypeParameters());
        if (!tp.isEmpty()) {
            sb.append(tp).append(' ');
        }
        if (returns != null) {
            sb.append(returns.getTypeName()).append(' ').append(e.getName());
        } else {
            sb.append(owner.getSimpleName());
        }
        Type[] params = e.getGenericParameterTypes();
        if (params.length != e.getParameterCount()) {
            params = e.getParameterTypes(); // an inner class's or enum's constructor: generic info is partial
        }
        List<String> ps = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            String name = params[i].getTypeName();
            if (e.isVarArgs() && i == params.length - 1 && name.endsWith("[]")) {
                name = name.substring(0, name.length() - 2) + "...";
            }
            ps.add(name);
        }
        sb.append('(').append(String.join(", ", ps)).append(')');
        Type[] thrown = e.getGenericExceptionTypes();
        if (thrown.length > 0) {
            sb.append(" throws ").append(Arrays.stream(thrown).map(Type::getTypeName).sorted()
                    .collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    private static String typeParams(TypeVariable<?>[] vars) {
        if (vars.length == 0) {
            return "";
        }
        return Arrays.stream(vars).map(v -> {
            Type[] b = v.getBounds();
            boolean plain = b.length == 1 && b[0] == Object.class;
            return plain ? v.getName() : v.getName() + " extends " + Arrays.stream(b).map(Type::getTypeName)
                    .collect(Collectors.joining(" & "));
        }).collect(Collectors.joining(", ", "<", ">"));
    }

    /** Lines only in the snapshot ({@code -}) and only now ({@code +}), under the type they belong to. */
    static String diff(String expected, String actual) {
        Map<String, List<String>> was = byType(expected);
        Map<String, List<String>> now = byType(actual);
        Set<String> types = new TreeSet<>(was.keySet());
        types.addAll(now.keySet());
        StringBuilder sb = new StringBuilder();
        for (String t : types) {
            List<String> a = was.getOrDefault(t, List.of());
            List<String> b = now.getOrDefault(t, List.of());
            List<String> removed = a.stream().filter(l -> !b.contains(l)).toList();
            List<String> added = b.stream().filter(l -> !a.contains(l)).toList();
            if (removed.isEmpty() && added.isEmpty()) {
                continue;
            }
            sb.append("  ").append(t).append('\n');
            removed.forEach(l -> sb.append("    - ").append(l).append('\n'));
            added.forEach(l -> sb.append("    + ").append(l).append('\n'));
        }
        return sb.isEmpty() ? "  (only the order or blank lines differ)\n" : sb.toString();
    }

    /** The snapshot's lines under the type that starts each block (a type's own line included). */
    private static Map<String, List<String>> byType(String text) {
        Map<String, List<String>> out = new TreeMap<>();
        String type = "(module)";
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!line.startsWith(" ") && !line.startsWith("module ") && !line.startsWith("exports ")) {
                String[] words = line.split(" ");
                for (int i = 0; i < words.length; i++) {
                    if (Set.of("class", "interface", "enum", "record", "@interface").contains(words[i])
                            && i + 1 < words.length) {
                        type = words[i + 1].replaceAll("<.*", "");
                        break;
                    }
                }
            }
            out.computeIfAbsent(type, k -> new ArrayList<>()).add(line.strip());
        }
        return out;
    }

    // ---------------------------------------------------------------- the count, as /work/tools/api-count does it

    /**
     * What {@code javap -public} lists for a public type: its public fields, constructors and methods (bridges
     * included), plus those of its non-public superclasses.
     */
    static int javapPublicCount(Class<?> c) {
        int n = 0;
        for (Class<?> t = c; t != null && (t == c || !Modifier.isPublic(t.getModifiers())); t = t.getSuperclass()) {
            n += (int) Stream.of(t.getDeclaredFields()).filter(f -> Modifier.isPublic(f.getModifiers())).count();
            n += (int) Stream.of(t.getDeclaredConstructors()).filter(k -> Modifier.isPublic(k.getModifiers()))
                    .count();
            n += (int) Stream.of(t.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers())).count();
        }
        return n;
    }
}
