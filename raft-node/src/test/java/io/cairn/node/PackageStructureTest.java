package io.cairn.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The shape of raft-node (docs/architecture.md, "Code layout"): packages follow the request flow,
 * and dependencies between them point one way, from the gRPC edge down to the replicas.
 */
class PackageStructureTest {
  private static final JavaClasses NODE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.cairn.node");

  @Test
  void packagesHaveNoImportCycles() {
    slices().matching("io.cairn.node.(*)..").should().beFreeOfCycles().check(NODE);
  }

  @Test
  void replicasKnowNothingOfTheRequestPathAboveThem() {
    noClasses()
        .that()
        .resideInAPackage("io.cairn.node.replica..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.cairn.node.api..",
            "io.cairn.node.read..",
            "io.cairn.node.write..",
            "io.cairn.node.routing..",
            "io.cairn.node.catchup..",
            "io.cairn.node.ops..")
        .check(NODE);
  }

  @Test
  void onlyTheApiPackageServesGrpc() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.cairn.node.api..", "io.cairn.node")
        .should()
        .dependOnClassesThat()
        .haveNameMatching("io\\.grpc\\.(ServerCall|ServerInterceptor|BindableService).*")
        .check(NODE);
  }
}
