#!/usr/bin/env bash
# Cairn's fault-injection suite (Jepsen-style): real node processes in network namespaces, a
# seeded nemesis, a recorded history and the linearizability / lost-write / session / eventual
# checkers. See docs/correctness.md for what it tests and what the runs found.
#
#   scripts/chaos.sh                      the bounded suite (about 13 minutes; fixed seeds):
#                                           PartitionIT, StaleReadDetectionIT, then seeded chaos
#                                           runs: process faults alone, network faults alone, all
#                                           faults but the disk ones alone and combined, a full
#                                           disk alone, on 5 nodes drains (replica moves) with
#                                           leader kills and isolations, a cluster grown 3->5->3
#                                           under load, and replica moves with each participant
#                                           killed half-way. Every run also sends through nodes that do
#                                           not lead the key's shard and checks after every fault
#                                           that every node forwards writes
#   scripts/chaos.sh --long [MINUTES]     soak: back-to-back chaos runs with all faults (or LIST),
#        [--duration S] [--faults LIST]     alone and combined, for MINUTES (default 30), seeds
#        [--nodes N --shards S --spares K]  (every run on that cluster shape and client-port
#        [--security plain|tls|auth]        security, by default auth),
#                                           printed; each run injects faults for S seconds (default
#                                           180): longer runs spend more of the soak under faults
#   scripts/chaos.sh --seed N [OPTIONS]   replay one chaos run; OPTIONS as printed by a run's
#                                           "replay:" line (--duration S --faults LIST --no-combine
#                                           --nodes 3|5 --shards S --processes P --keys K
#                                           --non-leader-processes N --disk-mb MB --spares N
#                                           --plan FAULT,FAULT,...: spare nodes that can join, and
#                                           an exact sequence of faults instead of a seeded one;
#                                           --security plain|tls|auth: the client port plaintext and
#                                           open, TLS, or mutual TLS with users, roles and tokens,
#                                           the default and the suite's except where noted)
#   --no-build                            use the jars and classes already built
#   CHAOS_NODE_CONFIG=k=v,k=v (environment) every node of every run also gets this config, e.g.
#                                           read.lease-enabled=true
#
# Needs root (network namespaces, iptables, tc), iproute2, iptables, coreutils, java 17 and maven;
# runs with the disk_full fault (the suite, --faults all or disk) also mkfs.ext4 (e2fsprogs),
# losetup and fallocate (util-linux): each node's data then lives on a small loop-mounted ext4
# image of --disk-mb MB (default 1024) under the run's directory.
# Exit status: 0 every check passed; 1 a consistency violation, a liveness violation (a node still
# refusing to forward writes 30 s after the faults healed, not stopping on a full disk, not
# catching up afterwards) or a failed test; 2 the harness
# could not run (not root, tools missing, another run's lab in use) or broke; 3 it ran out of time.
# Everything it starts is removed before it exits: node processes, namespaces, rules, mounts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SUITE_SEEDS=(11 12 13 14 15 16 17 18)
MODE=suite
LONG_MINUTES=30
LONG_RUN_SECONDS=180
LONG_FAULTS=all
BUILD=1
REPLAY_ARGS=()
SOAK_SHAPE=()

die() { echo "chaos.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --long)
      MODE=long
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+$ ]]; then LONG_MINUTES="$2"; shift; fi ;;
    --seed)
      MODE=replay
      [ $# -gt 1 ] && [[ "$2" =~ ^-?[0-9]+$ ]] || die "--seed needs a number"
      REPLAY_ARGS+=(--seed "$2"); shift ;;
    --no-build) BUILD=0 ;;
    --duration|--faults|--nodes|--shards|--processes|--non-leader-processes|--keys|--election-ms|--disk-mb|--spares|--plan|--security)
      [ $# -gt 1 ] || die "$1 needs a value"
      REPLAY_ARGS+=("$1" "$2"); shift ;;
    --no-combine|--combine) REPLAY_ARGS+=("$1") ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
# In a soak, --duration sets the length of each run and --faults what it injects; nothing else
# may be fixed there.
if [ "$MODE" = long ]; then
  soak_args=()
  for ((i = 0; i < ${#REPLAY_ARGS[@]}; i += 2)); do
    case "${REPLAY_ARGS[i]}" in
      --duration)
        [[ "${REPLAY_ARGS[i + 1]}" =~ ^[0-9]+$ ]] && [ "${REPLAY_ARGS[i + 1]}" -ge 30 ] \
          || die "--duration in a soak is the seconds of faults per run: a number, at least 30"
        LONG_RUN_SECONDS="${REPLAY_ARGS[i + 1]}" ;;
      --faults) LONG_FAULTS="${REPLAY_ARGS[i + 1]}" ;;
      # The cluster's shape, the same for every run of the soak.
      --nodes|--shards|--spares|--security) SOAK_SHAPE+=("${REPLAY_ARGS[i]}" "${REPLAY_ARGS[i + 1]}") ;;
      *) soak_args+=("${REPLAY_ARGS[i]}") ;;
    esac
  done
  [ ${#soak_args[@]} -eq 0 ] || die "${soak_args[0]} only makes sense with --seed N (replaying one run)"
  REPLAY_ARGS=()
fi
if [ "$MODE" != replay ] && [ ${#REPLAY_ARGS[@]} -gt 0 ]; then
  die "${REPLAY_ARGS[0]} only makes sense with --seed N (replaying one run)"
fi

# ---- what this machine can do -----------------------------------------------------------------
problems=()
[ "$(id -u)" -eq 0 ] || problems+=("not root: network namespaces, iptables and tc need root (run with sudo)")
for tool in ip iptables tc timeout java mvn; do
  command -v "$tool" >/dev/null 2>&1 || problems+=("'$tool' is not installed")
done
# Whether the runs include the disk_full fault (by name, its category or "all"; a replay without
# --faults injects all), whose small data disks need more tools.
small_disks=0
case "$MODE" in
  suite) small_disks=1 ;;
  long) faults_list="$LONG_FAULTS" ;;
  replay)
    faults_list=all
    for ((i = 0; i < ${#REPLAY_ARGS[@]}; i++)); do
      [ "${REPLAY_ARGS[i]}" = --faults ] && faults_list="${REPLAY_ARGS[i + 1]}"
    done ;;
esac
if [ "$MODE" != suite ] && [[ ",${faults_list,,}," =~ ,(all|disk|disk[_-]full), ]]; then small_disks=1; fi
if [ "$small_disks" -eq 1 ]; then
  for tool in mkfs.ext4 losetup fallocate mount umount; do
    command -v "$tool" >/dev/null 2>&1 || problems+=("'$tool' is not installed (apt-get install e2fsprogs util-linux)")
  done
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "chaos.sh: cannot run the fault-injection suite on this machine:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  echo "nothing was run." >&2
  exit 2
fi
# Leftovers of a run killed from outside are removed; a lab another live run owns stops us.
if ! bash scripts/netns.sh reclaim; then
  die "a network lab is in use by another chaos run: see 'scripts/netns.sh status'"
fi

RUN_DIR="$ROOT/tests/target/chaos/suite-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN_DIR"

# Removes what a run killed from the outside (timeout, Ctrl-C) may have left: node processes in the
# lab's namespaces (by PID, from 'ip netns pids'), the small data disks of full-disk runs, then the
# lab itself. The lab did not exist when this script started, so whatever is there now is ours;
# disks are ours only under this script's run directory: each loop mount there is unmounted by its
# exact path (never a blanket umount), then the images (SmallDisk: <mount point>.img) are deleted.
cleanup() {
  local ns pid mnt
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^cairn-n[0-9]+$' || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -9 "$pid" 2>/dev/null || true
    done
  done
  for mnt in $(awk -v dir="$RUN_DIR/" '$1 ~ /^\/dev\/loop/ && index($2, dir) == 1 { print $2 }' /proc/mounts); do
    umount -l "$mnt" || echo "chaos.sh: could not unmount $mnt; run 'umount -l $mnt'" >&2
  done
  find "$RUN_DIR" -type f -path '*/n[0-9]*/data.img' -delete 2>/dev/null || true
  if bash scripts/netns.sh status >/dev/null 2>&1; then
    bash scripts/netns.sh down >/dev/null 2>&1 || echo "chaos.sh: could not remove the lab; run 'scripts/netns.sh down'" >&2
  fi
}
trap cleanup EXIT
trap 'echo "chaos.sh: interrupted" >&2; exit 2' INT TERM

# ---- build and classpath ----------------------------------------------------------------------
MVN=(mvn -B -q)
if [ "$BUILD" -eq 1 ]; then
  echo "building (mvn -DskipTests install) ..."
  build_start=$SECONDS
  "${MVN[@]}" -o -DskipTests install >"$RUN_DIR/build.log" 2>&1 \
    || "${MVN[@]}" -DskipTests install >>"$RUN_DIR/build.log" 2>&1 \
    || { tail -40 "$RUN_DIR/build.log" >&2; die "the build failed (log: $RUN_DIR/build.log)"; }
  echo "built in $((SECONDS - build_start)) s"
fi
# Offline first (fast); online if the dependency plugin itself is not in ~/.m2 yet (a fresh CI box).
classpath_args=(-pl tests dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$RUN_DIR/classpath.txt")
"${MVN[@]}" -o "${classpath_args[@]}" >>"$RUN_DIR/build.log" 2>&1 \
  || "${MVN[@]}" "${classpath_args[@]}" >>"$RUN_DIR/build.log" 2>&1 \
  || die "cannot resolve the tests module's classpath (log: $RUN_DIR/build.log)"
[ -d tests/target/classes ] && [ -d tests/target/test-classes ] \
  || die "tests/target/classes or test-classes missing; run without --no-build"
# A private copy of the compiled classes: other builds in this tree must not change them mid-run.
cp -r tests/target/classes "$RUN_DIR/classes"
cp -r tests/target/test-classes "$RUN_DIR/test-classes"
CP="$RUN_DIR/classes:$RUN_DIR/test-classes:$(cat "$RUN_DIR/classpath.txt")"

JAVA=(java -Xms64m -Xmx1g -XX:+UseSerialGC)
# CHAOS_NODE_CONFIG=key=value,key=value runs every node of every run with that config too (e.g.
# read.lease-enabled=true); the suite's own runs use the production defaults.
if [ -n "${CHAOS_NODE_CONFIG:-}" ]; then
  echo "every node also gets: $CHAOS_NODE_CONFIG"
  JAVA+=("-Dcairn.lab.node-config=$CHAOS_NODE_CONFIG")
fi
suite_start=$SECONDS
failures=0
harness_failures=0
summary=()

# ---- JUnit for the @Tag("chaos") tests ----------------------------------------------------------
# The parent pom excludes the chaos group from failsafe in a way a -D cannot undo, so the chaos
# tests run on the JUnit Platform launcher directly, including only the chaos tag.
launcher_classpath() {
  local engine_version launcher_jar
  engine_version=$(tr ':' '\n' <"$RUN_DIR/classpath.txt" | grep -o 'junit-platform-engine-[0-9.]*\.jar' \
    | head -1 | sed 's/junit-platform-engine-//; s/\.jar$//')
  [ -n "$engine_version" ] || die "junit-platform-engine is not on the tests classpath"
  launcher_jar="$HOME/.m2/repository/org/junit/platform/junit-platform-launcher/$engine_version/junit-platform-launcher-$engine_version.jar"
  if [ ! -f "$launcher_jar" ]; then
    mvn -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-launcher:$engine_version" \
      >>"$RUN_DIR/build.log" 2>&1 || die "junit-platform-launcher $engine_version is not in ~/.m2 and cannot be fetched"
  fi
  echo "$launcher_jar"
}

write_launcher() {
  mkdir -p "$RUN_DIR/launcher"
  cat >"$RUN_DIR/launcher/ChaosTests.java" <<'JAVA'
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** Runs the named test classes' @Tag("chaos") tests; exit 0 only if some ran and none failed. */
public class ChaosTests {
  public static void main(String[] classes) {
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
        .filters(TagFilter.includeTags("chaos"));
    for (String c : classes) {
      request.selectors(selectClass(c));
    }
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    TestExecutionListener progress = new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest()) {
          System.out.println("[chaos test] " + result.getStatus() + " " + id.getDisplayName()
              + result.getThrowable().map(t -> ": " + t).orElse(""));
        }
      }
    };
    LauncherFactory.create().execute(request.build(), summary, progress);
    TestExecutionSummary s = summary.getSummary();
    PrintWriter out = new PrintWriter(System.out);
    s.printTo(out);
    s.printFailuresTo(out, 60);
    out.flush();
    System.exit(s.getTestsFoundCount() > 0 && s.getTotalFailureCount() == 0 ? 0 : 1);
  }
}
JAVA
}

# Runs a command bounded by $1 seconds, its output shown (without JVM noise) and kept in $2;
# records the outcome under label $3.
bounded() {
  local bound="$1" log="$2" label="$3" status
  shift 3
  set +e
  timeout --signal=TERM --kill-after=30 "$bound" "$@" 2>&1 | tee "$log" | grep --line-buffered -v -E '^(SLF4J|INFO: Epoll)'
  status=${PIPESTATUS[0]}
  set -e
  record "$label" "$status"
  if [ "$status" != 0 ]; then
    # CI shows only the output's last lines: carry the reason of a failed run into the summary.
    local reason
    reason=$(grep -E '^(verdict: (INVALID|UNKNOWN)|LIVENESS FAILURE|REPLICAS DIVERGED|HARNESS FAILURE|keys without)' "$log" \
      | cut -c1-400 | head -3 || true)
    [ -z "$reason" ] || summary+=("      $reason")
  fi
}

record() {
  local label="$1" status="$2"
  case "$status" in
    0) summary+=("PASS  $label") ;;
    1) summary+=("FAIL  $label (consistency or liveness violation, or a failed test)"); failures=$((failures + 1)) ;;
    2) summary+=("UNDECIDED $label (the checker hit its search limits)"); failures=$((failures + 1)) ;;
    124|137) summary+=("TIME  $label (killed by its time bound)"); harness_failures=$((harness_failures + 1)) ;;
    *) summary+=("ERROR $label (exit $status: the harness could not run or broke)"); harness_failures=$((harness_failures + 1)) ;;
  esac
  cleanup
}

# One seeded chaos run: label, time bound (s), ChaosRun arguments.
chaos_run() {
  local label="$1" bound="$2"
  shift 2
  echo
  echo "=== $label: ChaosRun $*"
  bounded "$bound" "$RUN_DIR/$label.log" "$label" \
    "${JAVA[@]}" -cp "$CP" io.cairn.tests.jepsen.ChaosRun "$@" --work-dir "$RUN_DIR"
}

case "$MODE" in
  suite)
    echo
    echo "=== chaos tests: PartitionIT, StaleReadDetectionIT"
    launcher_jar=$(launcher_classpath) || exit 2
    write_launcher
    bounded 480 "$RUN_DIR/chaos-tests.log" "chaos tests (PartitionIT, StaleReadDetectionIT)" \
      "${JAVA[@]}" -cp "$CP:$launcher_jar" "$RUN_DIR/launcher/ChaosTests.java" \
      io.cairn.tests.jepsen.PartitionIT io.cairn.tests.jepsen.StaleReadDetectionIT
    # The runs use the production configuration, mutual TLS and auth on the client port
    # (LabSecurity), except these two: server-side TLS without users, and the explicitly open port.
    chaos_run "seed-${SUITE_SEEDS[0]}-process-faults" 240 --seed "${SUITE_SEEDS[0]}" --duration 50 \
      --faults kill,pause,restart --no-combine --security tls
    chaos_run "seed-${SUITE_SEEDS[1]}-network-faults" 240 --seed "${SUITE_SEEDS[1]}" --duration 50 \
      --faults partition,link --no-combine --security plain
    # Every fault but disk loss (soaks run that too): the list keeps seed 13's schedule as it was
    # before the disk-wipe fault existed.
    chaos_run "seed-${SUITE_SEEDS[2]}-all-combined" 260 --seed "${SUITE_SEEDS[2]}" --duration 65 \
      --faults kill,pause,partition,link,restart --combine
    # A full disk alone: a node must exit 74 with a FATAL line and catch up once space is back.
    chaos_run "seed-${SUITE_SEEDS[3]}-disk-full" 240 --seed "${SUITE_SEEDS[3]}" --duration 30 \
      --faults disk_full --no-combine
    # Membership under faults: 5 nodes, nodes drained and taken back (replicas and leaders move
    # through Raft) while leaders are killed and isolated; every move must finish after healing.
    chaos_run "seed-${SUITE_SEEDS[4]}-membership" 300 --seed "${SUITE_SEEDS[4]}" --duration 60 \
      --nodes 5 --shards 3 --faults drain_node,kill_leader,partition_isolate_leader --combine
    # Growing and shrinking under load: 3 nodes, two spares join one after the other, then two
    # members (any, seeds too) are drained and removed; cairnctl verify after every step, and every
    # operation of the smart clients must succeed (ServiceContinuity).
    chaos_run "seed-${SUITE_SEEDS[5]}-grow-shrink" 420 --seed "${SUITE_SEEDS[5]}" --nodes 3 --spares 2 \
      --plan add_node,add_node,remove_node,remove_node
    # A replica move interrupted by kill -9 of each participant in turn: the shard's leader, the
    # replica leaving, the one arriving, the meta leader. Each move must finish or be undone.
    chaos_run "seed-${SUITE_SEEDS[6]}-kill-mid-move" 420 --seed "${SUITE_SEEDS[6]}" --nodes 5 --shards 3 \
      --plan kill_mid_move,kill_mid_move,kill_mid_move,kill_mid_move
    # Shards added under load (docs/shard-split.md): a 1-shard cluster grows to 3 shards, each
    # split fencing the serving shards, copying the moved keys and sessions, then serving them;
    # cairnctl verify after each. Splits under kills and partitions run in soaks (membership).
    chaos_run "seed-${SUITE_SEEDS[7]}-add-shards" 240 --seed "${SUITE_SEEDS[7]}" --nodes 3 --shards 1 \
      --plan add_shard,add_shard
    ;;
  long)
    echo "soak: back-to-back chaos runs with faults '$LONG_FAULTS', alone and combined, for $LONG_MINUTES" \
      "minutes, $LONG_RUN_SECONDS s of faults per run"
    seed=$(( $(date +%s) % 100000 ))
    end=$((SECONDS + LONG_MINUTES * 60))
    while [ $SECONDS -lt $end ]; do
      left=$(( end - SECONDS ))
      # A run's wall clock is about 1.5 x its faults (the nemesis waits for a whole cluster after
      # every episode) plus a minute and a half (start, recovery tail, final reads, check).
      duration=$(( left > LONG_RUN_SECONDS * 3 / 2 + 90 ? LONG_RUN_SECONDS : (left - 90) * 2 / 3 ))
      [ "$duration" -ge 30 ] || break
      chaos_run "soak-seed-$seed" $((duration * 2 + 300)) --seed "$seed" --duration "$duration" \
        --faults "$LONG_FAULTS" --combine ${SOAK_SHAPE[@]+"${SOAK_SHAPE[@]}"}
      seed=$((seed + 1))
    done
    ;;
  replay)
    chaos_run "replay" 1800 "${REPLAY_ARGS[@]}"
    ;;
esac

echo
echo "=== summary ($(( SECONDS - suite_start )) s, runs in $RUN_DIR)"
printf '%s\n' "${summary[@]}"
if [ "$failures" -gt 0 ]; then
  exit 1
fi
if [ "$harness_failures" -gt 0 ]; then
  exit 2
fi
exit 0
