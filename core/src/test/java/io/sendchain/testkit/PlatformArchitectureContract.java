package io.sendchain.testkit;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.tngtech.archunit.core.domain.JavaClasses;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs {@link ArchitectureRules#platformRules(String)} on a platform provider's main classes. A provider's test
 * sources subclass it and name their base package; ours do the same.
 */
public abstract class PlatformArchitectureContract {

    /** The provider's base package, for example {@code io.sendchain.platform.linux}. */
    protected abstract String basePackage();

    @TestFactory
    Stream<DynamicTest> providerCodeObeysTheModuleRules() {
        JavaClasses classes = ArchitectureRules.mainClasses(basePackage());
        return ArchitectureRules.platformRules(basePackage()).stream()
                .map(rule -> dynamicTest(rule.getDescription(), () -> rule.check(classes)));
    }
}
