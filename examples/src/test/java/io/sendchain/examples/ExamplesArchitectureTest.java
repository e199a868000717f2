package io.sendchain.examples;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.sendchain.testkit.ArchitectureRules;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The examples use core's exported API only and never name a platform class. */
class ExamplesArchitectureTest {

    @TestFactory
    Stream<DynamicTest> examplesObeyTheModuleRules() {
        JavaClasses classes = ArchitectureRules.mainClasses("io.sendchain.examples");
        return ArchitectureRules.exampleRules("io.sendchain.examples").stream()
                .map(rule -> dynamicTest(rule.getDescription(), () -> rule.check(classes)));
    }
}
