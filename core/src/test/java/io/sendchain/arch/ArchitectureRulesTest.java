package io.sendchain.arch;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.sendchain.archfixture.core.DownCaller;
import io.sendchain.archfixture.core.ExemptPrinter;
import io.sendchain.archfixture.core.PrintsToStdout;
import io.sendchain.archfixture.core.Reinterpreter;
import io.sendchain.archfixture.core.SetsShadowMarks;
import io.sendchain.archfixture.core.ThrowsGeneric;
import io.sendchain.archfixture.core.UsesPlatform;
import io.sendchain.archfixture.cyclea.A;
import io.sendchain.archfixture.cycleb.B;
import io.sendchain.examples.archfixture.NamesPlatform;
import io.sendchain.platform.archfixturea.NativeOutsideInternal;
import io.sendchain.platform.archfixturea.PlatformA;
import io.sendchain.platform.archfixturea.UsesOtherPlatform;
import io.sendchain.platform.archfixturea.UsesTestkit;
import io.sendchain.platform.archfixturea.internal.LeanSocket;
import io.sendchain.platform.archfixturea.internal.NativeInside;
import io.sendchain.platform.archfixturea.internal.SocketWithArray;
import io.sendchain.platform.archfixturea.internal.SocketWithIoVec;
import io.sendchain.testkit.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The rules themselves: each fails on a planted violation and passes on compliant code. */
class ArchitectureRulesTest {

    private static final String PLATFORM_A = "io.sendchain.platform.archfixturea";

    private static JavaClasses classes(Class<?>... types) {
        return new ClassFileImporter().importClasses(types);
    }

    private static void violates(ArchRule rule, Class<?>... types) {
        AssertionError e = assertThrows(AssertionError.class, () -> rule.check(classes(types)));
        assertTrue(e.getMessage().contains("because"), "every rule states its reason: " + e.getMessage());
    }

    @Test
    void aViolationPlantedAmongCoresClassesFailsTheCoreRuleSet() {
        JavaClasses coreWithPlant = new ClassFileImporter()
                .importPackages("io.sendchain.buf", "io.sendchain.output", "io.sendchain.archfixture.core");
        StringBuilder failures = new StringBuilder();
        for (ArchRule rule : ArchitectureRules.coreRules()) {
            try {
                rule.check(coreWithPlant);
            } catch (AssertionError e) {
                failures.append(e.getMessage()).append('\n');
            }
        }
        assertTrue(failures.toString().contains(PrintsToStdout.class.getName() + ".report"), failures.toString());
    }

    @Test
    void printingFromLibraryCodeViolatesTheStandardStreamsRule() {
        violates(ArchitectureRules.noStandardStreams(ArchitectureRules.ROOT), PrintsToStdout.class);
    }

    @Test
    void anExemptionNamingTheRuleIsHonoured() {
        assertDoesNotThrow(() -> ArchitectureRules.noStandardStreams(ArchitectureRules.ROOT)
                .check(classes(ExemptPrinter.class, PlatformA.class)));
    }

    @Test
    void throwingAGenericExceptionViolatesTheExceptionRule() {
        violates(ArchitectureRules.noGenericExceptions(ArchitectureRules.ROOT), ThrowsGeneric.class);
    }

    @Test
    void coreNamingAPlatformClassViolatesThePlatformFreeRule() {
        violates(ArchitectureRules.corePlatformFree(), UsesPlatform.class, PlatformA.class);
    }

    @Test
    void aDowncallInCoreViolatesTheNoDowncallsRule() {
        violates(ArchitectureRules.coreMakesNoDowncalls(), DownCaller.class);
        violates(ArchitectureRules.coreMakesNoDowncalls(), Reinterpreter.class);
    }

    @Test
    void onePlatformUsingAnotherViolatesTheCoreApiOnlyRule() {
        violates(ArchitectureRules.coreApiOnly(PLATFORM_A), UsesOtherPlatform.class);
    }

    @Test
    void mainCodeUsingTheTestKitViolatesTheCoreApiOnlyRule() {
        violates(ArchitectureRules.coreApiOnly(PLATFORM_A), UsesTestkit.class);
    }

    @Test
    void aPlatformUsingCoresExportedApiIsCompliant() {
        assertDoesNotThrow(() -> ArchitectureRules.coreApiOnly(PLATFORM_A).check(classes(PlatformA.class)));
    }

    @Test
    void ffmOutsideTheInternalPackageViolatesTheFfmRule() {
        violates(ArchitectureRules.ffmOnlyInInternal(PLATFORM_A), NativeOutsideInternal.class, PlatformA.class);
    }

    @Test
    void ffmInsideTheInternalPackageIsCompliant() {
        assertDoesNotThrow(() -> ArchitectureRules.ffmOnlyInInternal(PLATFORM_A)
                .check(classes(NativeInside.class, PlatformA.class)));
    }

    @Test
    void aStreamSocketHoldingAnIoVecViolatesTheNoScratchRule() {
        violates(ArchitectureRules.socketsHoldNoScratch(PLATFORM_A), SocketWithIoVec.class);
    }

    @Test
    void aStreamSocketHoldingAnArrayViolatesTheNoScratchRule() {
        violates(ArchitectureRules.socketsHoldNoScratch(PLATFORM_A), SocketWithArray.class, LeanSocket.class);
    }

    @Test
    void aStreamSocketWithSmallStateAndAStaticTableIsCompliant() {
        assertDoesNotThrow(() -> ArchitectureRules.socketsHoldNoScratch(PLATFORM_A).check(classes(LeanSocket.class)));
    }

    @Test
    void aStreamSocketHoldingAnIoVecFailsThePlatformRuleSet() {
        StringBuilder failures = new StringBuilder();
        for (ArchRule rule : ArchitectureRules.platformRules(PLATFORM_A)) {
            try {
                rule.check(classes(SocketWithIoVec.class));
            } catch (AssertionError e) {
                failures.append(e.getMessage()).append('\n');
            }
        }
        assertTrue(failures.toString().contains(SocketWithIoVec.class.getName() + ".vec"), failures.toString());
    }

    @Test
    void anExampleNamingAPlatformViolatesTheSpiRule() {
        violates(ArchitectureRules.examplesAskTheSpi("io.sendchain.examples"), NamesPlatform.class);
    }

    @Test
    void settingAShadowMarkOutsideItsOwnerViolatesTheShadowMarksRule() {
        violates(ArchitectureRules.shadowMarksHaveOneOwner(), SetsShadowMarks.class);
    }

    @Test
    void theEventPipeMarksShadowsOnlyThroughTheirOwner() {
        JavaClasses pipe = ArchitectureRules.mainClasses("io.sendchain.pipe");
        if (pipe.stream().noneMatch(c -> c.getName().equals(ArchitectureRules.SHADOW_MARKS_OWNER))) {
            throw new AssertionError("the owner of the shadow marks was not found: " + pipe);
        }
        assertDoesNotThrow(() -> ArchitectureRules.shadowMarksHaveOneOwner().check(pipe));
    }

    @Test
    void aPackageCycleViolatesTheCycleRule() {
        violates(ArchitectureRules.noCycles("io.sendchain.archfixture"), A.class, B.class);
    }
}
