package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

  @Test
  void theSameSeedGivesTheSamePlan() {
    assertThat(FaultPlan.generate(7, Duration.ofSeconds(90), EnumSet.allOf(Fault.class), true))
        .isEqualTo(FaultPlan.generate(7, Duration.ofSeconds(90), EnumSet.allOf(Fault.class), true));
    assertThat(FaultPlan.generate(7, Duration.ofSeconds(90), EnumSet.allOf(Fault.class), true))
        .isNotEqualTo(
            FaultPlan.generate(8, Duration.ofSeconds(90), EnumSet.allOf(Fault.class), true));
  }

  @Test
  void theEpisodesFitTheDurationAndEveryFaultIsBounded() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(3, Duration.ofSeconds(75), EnumSet.allOf(Fault.class), true);

    Duration total =
        plan.stream().map(FaultPlan.Episode::length).reduce(Duration.ZERO, Duration::plus);
    assertThat(total).isLessThanOrEqualTo(Duration.ofSeconds(75));
    assertThat(plan)
        .isNotEmpty()
        .allSatisfy(
            e -> assertThat(e.hold()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(9)));
  }

  @Test
  void aLongEnoughRunInjectsEveryEnabledFault() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(5, Duration.ofMinutes(5), EnumSet.allOf(Fault.class), false);

    Set<Fault> used = plan.stream().flatMap(e -> e.faults().stream()).collect(Collectors.toSet());
    assertThat(used).containsExactlyInAnyOrder(Fault.values());
    assertThat(plan).allSatisfy(e -> assertThat(e.faults()).hasSize(1));
  }

  @Test
  void combiningPairsANetworkFaultFirstWithAProcessFault() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(
            11,
            Duration.ofMinutes(3),
            EnumSet.of(
                Fault.PARTITION_HALVES, Fault.LINK_LOSS, Fault.KILL_LEADER, Fault.PAUSE_RANDOM),
            true);

    List<FaultPlan.Episode> pairs = plan.stream().filter(e -> e.faults().size() == 2).toList();
    assertThat(pairs)
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.faults().get(0).category().isNetwork()).isTrue();
              assertThat(e.faults().get(1).category().isNetwork()).isFalse();
            });
  }

  @Test
  void diskFaultsAndWholeClusterRestartsAreAlwaysAlone() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(21, Duration.ofMinutes(6), EnumSet.allOf(Fault.class), true);

    assertThat(plan).anySatisfy(e -> assertThat(e.faults()).containsExactly(Fault.WIPE_FOLLOWER));
    assertThat(plan).anySatisfy(e -> assertThat(e.faults()).containsExactly(Fault.DISK_FULL));
    assertThat(plan).anySatisfy(e -> assertThat(e.faults()).hasSize(2));
    assertThat(plan)
        .filteredOn(e -> e.faults().stream().anyMatch(f -> f.category().isAlone()))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.faults()).hasSize(1));
  }

  @Test
  void membershipFaultsThatKillAreAlwaysAloneAndTheOthersCombine() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(
            5, Duration.ofMinutes(10), Fault.parse("membership,partition_isolate_leader"), true);

    assertThat(plan)
        .filteredOn(e -> e.faults().stream().anyMatch(Fault::isAlone))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.faults()).hasSize(1));
    assertThat(plan)
        .anySatisfy(
            e -> {
              assertThat(e.faults()).hasSize(2).startsWith(Fault.PARTITION_ISOLATE_LEADER);
              assertThat(e.faults().get(1).category()).isEqualTo(Fault.Category.MEMBERSHIP);
            });
    assertThat(Fault.REPLACE_NODE.isAlone()).isTrue();
    assertThat(Fault.KILL_MID_MOVE.isAlone()).isTrue();
    assertThat(Fault.DRAIN_NODE.isAlone()).isFalse();
    assertThat(Fault.DRAIN_NODE.changesShape()).isFalse();
    assertThat(Fault.ADD_NODE.changesShape()).isTrue();
  }

  @Test
  void aScriptedPlanIsExactlyItsFaultsInOrder() {
    List<Fault> script =
        Fault.parseSequence("add_node, add-node,remove_node,REMOVE_NODE,kill_mid_move");

    List<FaultPlan.Episode> plan = FaultPlan.scripted(16, script);

    assertThat(plan).extracting(e -> e.faults().get(0)).containsExactlyElementsOf(script);
    assertThat(plan).allSatisfy(e -> assertThat(e.faults()).hasSize(1));
    assertThat(plan).extracting(FaultPlan.Episode::number).containsExactly(1, 2, 3, 4, 5);
    assertThat(plan.get(0).gapBefore()).isEqualTo(FaultPlan.WARMUP);
    assertThat(FaultPlan.scripted(16, script)).isEqualTo(plan);
    assertThatThrownBy(() -> Fault.parseSequence("add_node,membership"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown fault 'membership'");
  }

  @Test
  void onlyOneGroupEnabledNeverCombines() {
    List<FaultPlan.Episode> plan =
        FaultPlan.generate(2, Duration.ofMinutes(2), Fault.parse("kill"), true);

    assertThat(plan)
        .allSatisfy(
            e ->
                assertThat(e.faults())
                    .hasSize(1)
                    .allSatisfy(f -> assertThat(f.category()).isEqualTo(Fault.Category.KILL)));
  }

  @Test
  void faultsParseByNameCategoryOrAll() {
    assertThat(Fault.parse("kill"))
        .containsExactlyInAnyOrder(Fault.KILL_LEADER, Fault.KILL_FOLLOWER, Fault.KILL_RANDOM);
    assertThat(Fault.parse("partition-bridge, link_loss"))
        .containsExactlyInAnyOrder(Fault.PARTITION_BRIDGE, Fault.LINK_LOSS);
    assertThat(Fault.parse("all")).hasSize(Fault.values().length);
    assertThat(Fault.parse("disk")).containsExactlyInAnyOrder(Fault.WIPE_FOLLOWER, Fault.DISK_FULL);
    assertThat(Fault.parse("disk_full")).containsExactly(Fault.DISK_FULL);
    assertThatThrownBy(() -> Fault.parse("meteor")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cutsHaveTheirShapes() {
    Random random = new Random(4);
    assertThat(Cut.isolate(3, 2).links()).containsExactlyInAnyOrder(new Link(1, 2), new Link(2, 3));
    assertThat(Cut.halves(5, random).links()).hasSize(6); // 2 x 3
    Cut bridge = Cut.bridge(5, random);
    assertThat(bridge.links()).hasSize(4); // 2 x 2, the bridge node keeps all its links
    Cut bridge3 = Cut.bridge(3, random);
    assertThat(bridge3.links()).hasSize(1);
    assertThatThrownBy(() -> new Link(2, 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
