package io.sendchain.testkit;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.GeneralCodingRules.THROW_GENERIC_EXCEPTIONS;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.sendchain.annotations.Exempt;
import io.sendchain.buf.Buf;
import io.sendchain.event.StreamSocket;
import io.sendchain.internal.BufAccess;
import io.sendchain.spi.FileRun;
import io.sendchain.spi.IoVec;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Arrays;
import java.util.List;

/**
 * The module rules of sendchain (DESIGN.md), as ArchUnit rules. Shipped in core's testkit jar so that every
 * platform module, the examples and third-party providers check themselves with the same rules.
 *
 * <p>Each rule has an id; a class may be exempted from a rule only by {@link Exempt @Exempt} naming that id
 * and giving a reason.
 */
public final class ArchitectureRules {

    public static final String CORE_PLATFORM_FREE_ID = "core-platform-free";
    public static final String CORE_NO_DOWNCALLS_ID = "core-no-downcalls";
    public static final String CORE_API_ONLY_ID = "core-api-only";
    public static final String FFM_IN_INTERNAL_ID = "ffm-in-internal";
    public static final String EXAMPLES_ASK_SPI_ID = "examples-ask-spi";
    public static final String NO_STANDARD_STREAMS_ID = "no-standard-streams";
    public static final String NO_GENERIC_EXCEPTIONS_ID = "no-generic-exceptions";
    public static final String SOCKETS_HOLD_NO_SCRATCH_ID = "sockets-hold-no-scratch";
    public static final String SHADOW_MARKS_ONE_OWNER_ID = "shadow-marks-one-owner";

    /** The one class that sets and clears the event pipe's shadow marks on bufs. */
    public static final String SHADOW_MARKS_OWNER = "io.sendchain.pipe.FreeRawBufs";

    /** Root of all of sendchain's own packages. */
    public static final String ROOT = "io.sendchain";
    /** The platform modules' packages. */
    public static final String PLATFORMS = "io.sendchain.platform..";
    /** The examples' packages. */
    public static final String EXAMPLES = "io.sendchain.examples..";
    /** Test support shipped in core's testkit jar; never a dependency of main code. */
    public static final String TESTKIT = "io.sendchain.testkit..";
    /** Packages core exports in its module descriptor: the only core code others may use. */
    public static final List<String> CORE_API = List.of(
            "io.sendchain.buf", "io.sendchain.output", "io.sendchain.event", "io.sendchain.spi",
            "io.sendchain.spi.posix",
            "io.sendchain.pipe", "io.sendchain.loop", "io.sendchain.annotations");

    private ArchitectureRules() {
    }

    // ---------------------------------------------------------------- importing

    /**
     * Main (non-test) classes under {@code basePackage} found on the class path: test class directories, test-jars
     * and core's testkit jar (this kit) are left out.
     */
    public static JavaClasses mainClasses(String basePackage) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.matches(TEST_JAR))
                .importPackages(basePackage);
    }

    private static final java.util.regex.Pattern TEST_JAR =
            java.util.regex.Pattern.compile(".*-(tests|testkit)\\.jar!/.*");

    // ---------------------------------------------------------------- rule sets

    /** The rules core's own classes obey. */
    public static List<ArchRule> coreRules() {
        return List.of(corePlatformFree(), coreMakesNoDowncalls(), noStandardStreams(ROOT),
                noGenericExceptions(ROOT), noCycles(ROOT), shadowMarksHaveOneOwner());
    }

    /**
     * The rules a platform provider's classes under {@code basePackage} obey: ours
     * ({@code io.sendchain.platform.linux}) and third parties' ({@code com.example.sendchain.mytransport}).
     */
    public static List<ArchRule> platformRules(String basePackage) {
        return List.of(coreApiOnly(basePackage), ffmOnlyInInternal(basePackage), noStandardStreams(basePackage),
                noGenericExceptions(basePackage), noCycles(basePackage), socketsHoldNoScratch(basePackage));
    }

    /** The rules the examples obey (they may print: they are programs, not library code). */
    public static List<ArchRule> exampleRules(String basePackage) {
        return List.of(examplesAskTheSpi(basePackage), coreApiOnly(basePackage), noCycles(basePackage));
    }

    // ---------------------------------------------------------------- single rules

    /** Core depends on no platform module and on nothing of the examples. */
    public static ArchRule corePlatformFree() {
        return noClasses().that(notExemptFrom(CORE_PLATFORM_FREE_ID))
                .and(inCore())
                .should().dependOnClassesThat().resideInAnyPackage(PLATFORMS, EXAMPLES)
                .because("core is what every platform builds on; it must work with any set of platforms present, "
                        + "including none of ours");
    }

    /** Core makes no native calls: no linker, no symbol lookup, no unsafe reinterpretation of memory. */
    public static ArchRule coreMakesNoDowncalls() {
        return noClasses().that(notExemptFrom(CORE_NO_DOWNCALLS_ID))
                .and(inCore())
                .should().dependOnClassesThat().belongToAnyOf(Linker.class, SymbolLookup.class,
                        FunctionDescriptor.class)
                .orShould().callMethodWhere(REINTERPRET)
                .because("native calls assume an OS and an ABI; they belong in a platform module's internal "
                        + "package, where that assumption is explicit and probed");
    }

    /**
     * Code under {@code basePackage} uses only what core exports, and nothing of another platform or of the test
     * kit.
     */
    public static ArchRule coreApiOnly(String basePackage) {
        String own = basePackage + "..";
        DescribedPredicate<JavaClass> foreignSendchain = resideInAPackage(ROOT + "..")
                .and(not(resideInAPackage(own)))
                .and(not(resideInAnyPackage(CORE_API.toArray(String[]::new))))
                .as("sendchain classes that are neither core's exported API nor under " + basePackage);
        return noClasses().that(notExemptFrom(CORE_API_ONLY_ID))
                .and().resideInAPackage(own)
                .should().dependOnClassesThat(foreignSendchain)
                .because("a module may rely on core's exported API only; another platform or core's internals "
                        + "may be absent or change, and platforms must stay independent of each other");
    }

    /** FFM downcall machinery is used only in {@code ..internal..} packages under {@code basePackage}. */
    public static ArchRule ffmOnlyInInternal(String basePackage) {
        return noClasses().that(notExemptFrom(FFM_IN_INTERNAL_ID))
                .and().resideInAPackage(basePackage + "..")
                .and().resideOutsideOfPackage("..internal..")
                .should().dependOnClassesThat().belongToAnyOf(Linker.class, SymbolLookup.class,
                        FunctionDescriptor.class)
                .orShould().callMethodWhere(REINTERPRET)
                .because("raw descriptors and native calls stay behind a platform's internal facade, where every "
                        + "call turns errno into an IOException naming the call");
    }

    /** The examples never name a platform class: they ask the SPI. */
    public static ArchRule examplesAskTheSpi(String basePackage) {
        return noClasses().that(notExemptFrom(EXAMPLES_ASK_SPI_ID))
                .and().resideInAPackage(basePackage + "..")
                .should().dependOnClassesThat().resideInAPackage(PLATFORMS)
                .because("the platform is chosen at run time by the SPI; naming one ties the program to an OS");
    }

    /** Library code logs through SLF4J and never writes to {@code System.out}/{@code System.err}. */
    public static ArchRule noStandardStreams(String basePackage) {
        return noClasses().that(notExemptFrom(NO_STANDARD_STREAMS_ID))
                .and().resideInAPackage(basePackage + "..")
                .and().resideOutsideOfPackages(EXAMPLES, TESTKIT)
                .should(ACCESS_STANDARD_STREAMS)
                .because("a library must not write to the host program's console; it logs through SLF4J");
    }

    /** No method throws {@code Exception}, {@code RuntimeException} or {@code Throwable} themselves. */
    public static ArchRule noGenericExceptions(String basePackage) {
        return noClasses().that(notExemptFrom(NO_GENERIC_EXCEPTIONS_ID))
                .and().resideInAPackage(basePackage + "..")
                .should(THROW_GENERIC_EXCEPTIONS)
                .because("callers must be able to tell I/O failures (IOException naming the call) from misuse "
                        + "(an unchecked exception stating the broken condition)");
    }

    /**
     * A {@link StreamSocket} under {@code basePackage} has no instance field of type {@link IoVec}, {@link FileRun}
     * or any array: what a send or receive call fills and empties again (gather lists, file runs, buffer and view
     * arrays) is the thread's, fetched once per call.
     */
    public static ArchRule socketsHoldNoScratch(String basePackage) {
        DescribedPredicate<JavaClass> socket = JavaClass.Predicates.assignableTo(StreamSocket.class)
                .and(resideInAPackage(basePackage + ".."))
                .and(notExemptFrom(SOCKETS_HOLD_NO_SCRATCH_ID))
                .as("are stream sockets under " + basePackage);
        return noFields().that().areDeclaredInClassesThat(socket)
                .and().areNotStatic()
                .should().haveRawType(PER_CALL_SCRATCH)
                .because("every open connection holds its socket, idle keep-alive ones included, and an idle "
                        + "connection must cost well under 2 KiB (nginx: about 0.5 KiB); one 64-entry IoVec alone "
                        + "is 1.3 KiB, needed only while a call runs");
    }

    /**
     * Only {@link #SHADOW_MARKS_OWNER} calls {@link BufAccess#shadow(Buf, Buf)} or
     * {@link BufAccess#lastShadow(Buf, boolean)} (the setters of a buf's marks): the event
     * pipe's rule that a raw buf is not read into while shadows of it are queued lives in one class.
     */
    public static ArchRule shadowMarksHaveOneOwner() {
        return noClasses().that(notExemptFrom(SHADOW_MARKS_ONE_OWNER_ID))
                .and().doNotHaveFullyQualifiedName(SHADOW_MARKS_OWNER)
                .should().callMethod(BufAccess.class, "shadow", Buf.class, Buf.class)
                .orShould().callMethod(BufAccess.class, "lastShadow", Buf.class, boolean.class)
                .because("a raw buf may not be read into while shadows of it are queued; when 16 places of the "
                        + "event pipe set and cleared the marks, a missed one corrupted kept-alive responses "
                        + "(issue 12)");
    }

    /**
     * The packages under {@code basePackage} form no dependency cycle. Core's non-exported accessors
     * ({@code io.sendchain.internal}, the JDK's {@code SharedSecrets} pattern) are installed by the package they
     * open up, so that package's dependency on its own accessor is not counted as a layer dependency.
     */
    public static ArchRule noCycles(String basePackage) {
        // a module of one package has no slices to compare: nothing to check is not a failure here
        return slices().matching(basePackage + ".(**)")
                .should().beFreeOfCycles()
                .ignoreDependency(DescribedPredicate.alwaysTrue(), resideInAPackage(ROOT + ".internal"))
                .because("layers that depend on each other cannot be understood, tested or replaced separately")
                .allowEmptyShould(true);
    }

    // ---------------------------------------------------------------- predicates

    private static DescribedPredicate<JavaClass> inCore() {
        return resideInAPackage(ROOT + "..")
                .and(not(resideInAnyPackage(PLATFORMS, EXAMPLES, TESTKIT)))
                .as("core classes");
    }

    /** Types of per-call scratch: gather lists, file runs and arrays of any kind. */
    private static final DescribedPredicate<JavaClass> PER_CALL_SCRATCH =
            new DescribedPredicate<>("IoVec, FileRun or an array type") {
                @Override
                public boolean test(JavaClass type) {
                    return type.isArray()
                            || type.getName().equals(IoVec.class.getName())
                            || type.getName().equals(FileRun.class.getName());
                }
            };

    private static final DescribedPredicate<JavaMethodCall> REINTERPRET =
            new DescribedPredicate<>("MemorySegment.reinterpret(..)") {
                @Override
                public boolean test(JavaMethodCall call) {
                    return call.getTargetOwner().isEquivalentTo(MemorySegment.class)
                            && call.getName().equals("reinterpret");
                }
            };

    /** Classes not carrying {@code @Exempt} for {@code ruleId}. */
    public static DescribedPredicate<JavaClass> notExemptFrom(String ruleId) {
        return new DescribedPredicate<>("not @Exempt from " + ruleId) {
            @Override
            public boolean test(JavaClass c) {
                if (!c.isAnnotatedWith(Exempt.class.getName())) {
                    return true;
                }
                JavaAnnotation<JavaClass> exempt = c.getAnnotationOfType(Exempt.class.getName());
                Object rules = exempt.get("rules").orElse(new String[0]);
                return !Arrays.asList((Object[]) rules).contains(ruleId);
            }
        };
    }
}
