package org.cvmmap.streamer.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package layering of docs/architecture.md, checked on the compiled product classes (tests
 * excluded): no package cycles; the parts ({@code ingest}, {@code pipeline}, {@code output},
 * {@code record}) never import the configuration, the control plane, the CLI or the wiring;
 * {@code config} depends on the parts, never the reverse; testers stay off the product path.
 */
class ArchitectureTest {
    private static final String ROOT = "org.cvmmap.streamer";
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void noPackageDependsOnItselfThroughAnother() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void thePartsDoNotKnowTheConfigurationOrWhoDrivesThem() {
        ArchRule rule = noClasses().that().resideInAnyPackage(ROOT + ".ingest..", ROOT + ".pipeline..",
                        ROOT + ".output..", ROOT + ".record..", ROOT + ".media..", ROOT + ".util..", ROOT + ".observe..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".config..", ROOT + ".control..",
                        ROOT + ".cli..", ROOT + ".testers..", ROOT);
        rule.check(classes);
    }

    @Test
    void theConfigurationDependsOnThePartsNeverOnTheLayersAboveIt() {
        noClasses().that().resideInAPackage(ROOT + ".config..").should().dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".control..", ROOT + ".cli..", ROOT + ".testers..", ROOT)
                .check(classes);
    }

    @Test
    void testersAreNeverOnTheProductPath() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".testers..", ROOT + ".cli..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".testers..")
                .check(classes);
    }

    @Test
    void sharedMediaTypesAndUtilitiesDependOnNothingAboveThem() {
        noClasses().that().resideInAnyPackage(ROOT + ".media..", ROOT + ".util..").should().dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".ingest..", ROOT + ".pipeline..", ROOT + ".output..", ROOT + ".record..")
                .check(classes);
    }
}
