package io.sendchain.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as an accepted exception to named architecture rules, with the reason. The rule set (in core's
 * testkit jar, {@code io.sendchain.testkit.ArchitectureRules}) skips a class for exactly the rules listed here;
 * there is no other way to silence a rule.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Exempt {

    /** Ids of the rules this class is exempt from ({@code ArchitectureRules.*_ID}). */
    String[] rules();

    /** Why the exception is right; shown to reviewers, required. */
    String because();
}
