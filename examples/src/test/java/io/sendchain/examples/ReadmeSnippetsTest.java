package io.sendchain.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.sendchain.spi.Platform;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code ```java} block of the repository's README.md and of the pages it links that document the
 * API ({@link #DOCUMENTS}: the provider kit) against the modules, exactly as they have it, so the documented API
 * cannot rot. The convention, written once here:
 *
 * <ul>
 *   <li>A block that declares a module ({@code module x { ... }}) is compiled as a {@code module-info.java} on the
 *       module path, with core and a stand-in for the provider class it names.</li>
 *   <li>A block of type declarations (it starts with {@code package}, {@code import} or a declaration) is compiled as
 *       a compilation unit; without a {@code package} line it gets the {@linkplain #IMPORTS common imports}.</li>
 *   <li>A block that starts with a method declaration is class members: they become the body of a class with the
 *       common imports.</li>
 *   <li>Any other block is statements: they become the body of a method with the common imports. The names the
 *       statements take from around them (a loop, a path) are the method's parameters, given in an HTML comment on
 *       the line before the block, invisible on the rendered page: {@code <!-- snippet: EventLoop loop, Path path
 *       -->}.</li>
 *   <li>Names the reader's own code would supply ({@code AcmePlatform}, {@code FaultyAcmeKernel},
 *       {@code AcmeProvider} in {@code com.acme.sendchain.transport}) are stand-ins made here; {@code AcmePlatform}
 *       implements {@link Platform}'s abstract methods as they are now.</li>
 *   <li>Anything that is not Java (a {@code META-INF/services} file, a shell command) is not tagged {@code java}.</li>
 * </ul>
 */
class ReadmeSnippetsTest {

    /** What a snippet may name without importing it: the exported API, the test kit, the JDK parts it uses. */
    static final List<String> IMPORTS = List.of("io.sendchain.buf.*", "io.sendchain.output.*", "io.sendchain.event.*",
            "io.sendchain.loop.*", "io.sendchain.pipe.*", "io.sendchain.spi.*", "io.sendchain.testkit.*",
            "com.acme.sendchain.transport.*", "java.io.*", "java.net.*", "java.nio.*", "java.nio.channels.*",
            "java.nio.file.*", "java.util.function.*");

    /** The documents whose snippets are compiled, relative to the repository's root. */
    static final List<String> DOCUMENTS = List.of("README.md", "docs/PROVIDER-KIT.md");

    private static final String ACME = "com.acme.sendchain.transport";
    private static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");
    /** A method declaration's first line: a return type, a name, parameters, a body opening. */
    private static final Pattern METHOD = Pattern.compile(
            "^(?!(new|return|if|for|while|switch|else|try|catch|synchronized)\\b)[\\w<>\\[\\],.? ]+\\s\\w+\\s*\\(.*\\)"
                    + "\\s*(throws\\s+[\\w.,\\s]+)?\\{$");
    private static final Pattern DIRECTIVE = Pattern.compile("^<!--\\s*snippet:(.*?)-->\\s*$");
    private static final Pattern MODULE = Pattern.compile("(?m)^\\s*(open\\s+)?module\\s+[\\w.]+\\s*\\{");
    private static final Pattern UNIT = Pattern.compile(
            "^(package|import|@|((public|abstract|final|sealed|non-sealed|static)\\s+)*(class|interface|enum|record)"
                    + "\\s)");

    /** A {@code ```java} block: where it starts (its first line of code), the section it is in, its text. */
    record Snippet(String file, int line, String section, String params, String code) {
        String name() {
            return file + ":" + line + " (" + section + ")";
        }
    }

    @TempDir
    Path out;

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetOfTheReadmeAndTheProviderKitCompiles() throws IOException {
        List<Snippet> snippets = new ArrayList<>();
        for (String doc : DOCUMENTS) {
            List<Snippet> found = snippets(doc, Files.readString(ApiSnapshotTest.repositoryRoot().resolve(doc)));
            assertFalse(found.isEmpty(), doc + " has java snippets");
            snippets.addAll(found);
        }
        return snippets.stream().map(s -> dynamicTest(s.name(), () -> {
            String errors = compile(s, out.resolve("s" + s.file().replaceAll("\\W", "_") + s.line()));
            if (!errors.isEmpty()) {
                fail(s.name() + " does not compile:\n" + errors);
            }
        }));
    }

    @Test
    void aSnippetThatUsesAMemberTheApiDoesNotHaveFailsNamingItsLineAndTheMember() {
        String readme = "## Example\n\n<!-- snippet: EventLoop loop -->\n```java\nloop.run();\nloop.noSuchMember();\n```\n";
        List<Snippet> snippets = snippets("README.md", readme);
        assertTrue(snippets.size() == 1, "one snippet: " + snippets);
        String errors = compile(snippets.getFirst(), out);
        assertTrue(errors.contains("README.md:6") && errors.contains("noSuchMember"), errors);
    }

    // ---------------------------------------------------------------- reading the README

    static List<Snippet> snippets(String file, String readme) {
        List<Snippet> out = new ArrayList<>();
        String[] lines = readme.split("\n", -1);
        String section = "top";
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
                continue;
            }
            Matcher f = FENCE.matcher(line);
            if (!f.matches()) {
                continue;
            }
            int start = i + 1;
            int end = start;
            while (end < lines.length && !lines[end].startsWith("```")) {
                end++;
            }
            if (f.group(1).equals("java")) {
                Matcher d = i > 0 ? DIRECTIVE.matcher(lines[i - 1]) : null;
                String params = d != null && d.matches() ? d.group(1).strip() : "";
                out.add(new Snippet(file, start + 1, section, params,
                        String.join("\n", Arrays.asList(lines).subList(start, end)) + "\n"));
            }
            i = end;
        }
        return out;
    }

    // ---------------------------------------------------------------- compiling

    /** Compiles {@code s} (with the stand-ins) into {@code dir}; the diagnostics, at README lines, or "". */
    static String compile(Snippet s, Path dir) {
        String code = s.code();
        List<Source> sources = new ArrayList<>();
        List<String> options = new ArrayList<>(List.of("-d", dir.toString(), "-proc:none", "-Xlint:none",
                "-implicit:none"));
        int offset; // README line of the source's first line
        if (MODULE.matcher(code).find()) {
            sources.add(new Source("module-info", code));
            sources.add(new Source(ACME + ".AcmeProvider", providerStandIn()));
            options.addAll(List.of("--module-path", modulePath("io.sendchain.core")));
            offset = s.line();
        } else {
            String imports = IMPORTS.stream().map(i -> "import " + i + ";").collect(Collectors.joining(" ")) + "\n";
            String first = code.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("//"))
                    .findFirst().orElse("");
            String name = "Snippet" + s.line();
            if (first.startsWith("package")) {
                sources.add(new Source(unitName(code, name), code));
                offset = s.line();
            } else if (UNIT.matcher(first).find()) {
                sources.add(new Source(unitName(code, name), imports + code));
                offset = s.line() - 1;
            } else if (METHOD.matcher(first).find()) {
                sources.add(new Source(name, imports + "class " + name + " {\n" + code + "}\n"));
                offset = s.line() - 2;
            } else {
                sources.add(new Source(name, imports + "class " + name + " {\n    void run(" + s.params()
                        + ") throws Exception {\n" + code + "    }\n}\n"));
                offset = s.line() - 3;
            }
            sources.add(new Source(ACME + ".AcmeProvider", providerStandIn()));
            sources.add(new Source(ACME + ".AcmePlatform", platformStandIn()));
            sources.add(new Source(ACME + ".FaultyAcmeKernel", "package " + ACME + ";\n"
                    + "public class FaultyAcmeKernel {\n"
                    + "    public FaultyAcmeKernel(io.sendchain.testkit.FaultPlan faults) {}\n}\n"));
            options.addAll(List.of("-classpath", System.getProperty("java.class.path")));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            Files.createDirectories(dir);
            boolean ok = javac.getTask(null, files, diagnostics, options, null, sources).call();
            StringBuilder sb = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) {
                    continue;
                }
                boolean mine = d.getSource() == sources.getFirst();
                String where = mine ? s.file() + ":" + (offset + d.getLineNumber() - 1)
                        : d.getSource() == null ? "javac" : d.getSource().getName();
                sb.append("  ").append(where).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
                if (mine && d.getLineNumber() > 0) {
                    String src = ((Source) d.getSource()).code.lines().skip(d.getLineNumber() - 1).findFirst()
                            .orElse("");
                    sb.append("      ").append(src.strip()).append('\n');
                }
            }
            if (!ok && sb.isEmpty()) {
                sb.append("  javac failed without an error diagnostic\n");
            }
            return sb.toString();
        } catch (IOException e) {
            return "  " + e + "\n";
        }
    }

    /** The public type a unit declares (its file must be named after it), else {@code fallback}. */
    private static String unitName(String code, String fallback) {
        Matcher m = Pattern.compile("(?m)^public\\s+(?:(?:abstract|final|sealed|non-sealed)\\s+)*"
                + "(?:class|interface|enum|record)\\s+(\\w+)").matcher(code);
        return m.find() ? m.group(1) : fallback;
    }

    /** An in-memory source file. */
    static final class Source extends SimpleJavaFileObject {
        final String code;

        Source(String className, String code) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }

    /** The modules {@code root} needs, from the class path: where each is. */
    private static String modulePath(String root) {
        Map<String, ModuleReference> all = new LinkedHashMap<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.exists(p)) {
                for (ModuleReference ref : ApiSnapshotTest.findModules(p)) {
                    all.putIfAbsent(ref.descriptor().name(), ref);
                }
            }
        }
        List<String> path = new ArrayList<>();
        Deque<String> todo = new ArrayDeque<>(List.of(root));
        List<String> done = new ArrayList<>();
        while (!todo.isEmpty()) {
            String name = todo.poll();
            ModuleReference ref = all.get(name);
            if (done.contains(name) || ref == null) {
                continue; // a JDK module, or one already on the path
            }
            done.add(name);
            path.add(Path.of(ref.location().orElseThrow()).toString());
            for (ModuleDescriptor.Requires r : ref.descriptor().requires()) {
                if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                    todo.add(r.name());
                }
            }
        }
        return String.join(java.io.File.pathSeparator, path);
    }

    /** The provider a module declaration or a test names: a provider whose methods throw. */
    private static String providerStandIn() {
        return "package " + ACME + ";\n"
                + "public final class AcmeProvider implements io.sendchain.spi.PlatformProvider {\n"
                + "    public AcmeProvider() {}\n"
                + "    @Override public String name() { throw new UnsupportedOperationException(); }\n"
                + "    @Override public int priority() { throw new UnsupportedOperationException(); }\n"
                + "    @Override public io.sendchain.spi.Availability probe() {\n"
                + "        throw new UnsupportedOperationException();\n"
                + "    }\n"
                + "    @Override public io.sendchain.spi.Platform create(io.sendchain.spi.PlatformConfig config) {\n"
                + "        throw new UnsupportedOperationException();\n"
                + "    }\n"
                + "}\n";
    }

    /** A {@link Platform} made from its abstract methods as they are now, each throwing. */
    private static String platformStandIn() {
        StringBuilder sb = new StringBuilder("package " + ACME + ";\n"
                + "public class AcmePlatform implements io.sendchain.spi.Platform {\n"
                + "    public AcmePlatform() {}\n"
                + "    public AcmePlatform(int option) {}\n"
                + "    public AcmePlatform(FaultyAcmeKernel kernel) {}\n");
        for (Method m : Platform.class.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers())) {
                continue;
            }
            List<String> params = new ArrayList<>();
            Type[] types = m.getGenericParameterTypes();
            for (int i = 0; i < types.length; i++) {
                params.add(types[i].getTypeName() + " a" + i);
            }
            String thrown = Arrays.stream(m.getGenericExceptionTypes()).map(Type::getTypeName)
                    .collect(Collectors.joining(", "));
            sb.append("    @Override public ").append(m.getGenericReturnType().getTypeName()).append(' ')
                    .append(m.getName()).append('(').append(String.join(", ", params)).append(')')
                    .append(thrown.isEmpty() ? "" : " throws " + thrown)
                    .append(" { throw new UnsupportedOperationException(); }\n");
        }
        return sb.append("}\n").toString();
    }
}
