package io.sendchain.arch;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.sendchain.testkit.ArchitectureRules;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Core's main classes obey the module rules. */
class CoreArchitectureTest {

    @TestFactory
    Stream<DynamicTest> coreObeysTheModuleRules() {
        JavaClasses core = ArchitectureRules.mainClasses(ArchitectureRules.ROOT);
        if (core.stream().noneMatch(c -> c.getName().equals("io.sendchain.buf.Buf"))) {
            throw new AssertionError("core's main classes were not found on the class path");
        }
        return ArchitectureRules.coreRules().stream()
                .map(rule -> dynamicTest(rule.getDescription(), () -> rule.check(core)));
    }
}
