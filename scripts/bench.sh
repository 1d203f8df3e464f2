#!/usr/bin/env bash
# Side-by-side benchmark: Cairn (3 local nodes, fsync on) and etcd 3.4 (3 local members) under the
# same closed-loop load generator (cli/ BenchRunner with HdrHistogram), 256-byte values over
# 100k keys, writes and linearizable reads at 1, 16 and 64 clients.
#
#   scripts/bench.sh cairn|etcd|both [duration_s]     default both, 20 s per point
#   scripts/bench.sh interleaved [duration_s]         both stores up side by side under YCSB,
#                                                     BENCH_ROUNDS rounds of every point on each
#                                                     (bench_interleaved): for close comparisons
#
# Prints one BENCH line per point (target, for Cairn its shard count: CAIRN_SHARDS of cluster.sh;
# workload, clients, ops/s, p50/p99/p99.9/max ms, and
# server_cpu_ms_per_op: the CPU time of the three server processes, from /proc, over the measured
# window divided by its operations; and server_switches_per_op: the context switches of all their
# threads over the window per operation, how often a server thread gave up the CPU, mostly to wait
# for another's hand-off. It moves far less between runs than throughput or CPU on this VM, so it
# shows a hand-off saved where they cannot). For Cairn, each point also gets the mean of every Raft
# stage of its writes over the window (stage_*_ms: proposal to result, the leader's round to a
# follower, the follower's own part, a log write and fsync, the log worker's queue; from the nodes'
# /metrics) and its commands per log entry. BENCH_WORKLOADS (default "put get") may also name
# get-eventual: Cairn's EVENTUAL reads, etcd's serializable ones, and mix: half linearizable reads,
# half writes, each worker choosing at random per request (YCSB's workload A). Cairn's client port
# is open (cluster.sh --insecure), as etcd's is by default; BENCH_CAIRN_SECURITY=tls or auth starts it with
# cluster.sh's --tls (mutual TLS on the client port) or --auth (that, and users: a node's default).
# BENCH_CAIRN_AT_REST=1 also encrypts values at rest (a key file made under run-bench/).
# The load generator is one JVM per point that warms up (WARMUP_S) before its window, with
# BENCH_GEN_JAVA_OPTS (default -XX:+UseParallelGC: the JVM's C2 compiler and a throughput
# collector) for both stores alike; server CPU is counted over the window alone.
# BENCH_GENERATOR=ycsb runs every point under YCSB 0.17 instead (Cairn's ycsb/ binding, and
# EtcdYcsbClient for etcd), the generator issue 10 was measured with (run_ycsb_points).
# etcd comes from Debian (apt-get install etcd-server); it is started on 127.0.0.1..3 with its
# own data dirs under run-bench/ and stopped afterwards.
set -euo pipefail
export LC_ALL=C  # EPOCHREALTIME and awk's numbers with a decimal point, whatever the locale
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHAT="${1:-both}"
DURATION="${2:-20}"
WARMUP="${WARMUP_S:-10}"   # per point; WARM_START_S (default 30) warms each store once before all points
# Why C2 and a warm generator: with C1 only (cairnctl's default, good for one-off CLI calls) and a
# fresh JVM per window, the generator spent about as much CPU per linearizable read as the three
# nodes together and capped both stores' reads on 2 cores (docs/benchmarks.md, "A load generator
# that is not the bottleneck").
GEN_JAVA_OPTS="${BENCH_GEN_JAVA_OPTS:--XX:+UseParallelGC}"
CLIENTS="${BENCH_CLIENTS:-1 16 64}"
BENCH_DIR="$ROOT/run-bench"
export CAIRN_RUN_DIR="$BENCH_DIR/cairn"

tests_classpath() {
  (cd "$ROOT" && mvn -B -q -o -DskipTests install -pl proto,statemachine,raft-node,client,cli,ycsb,tests >/dev/null 2>&1 \
    || mvn -B -q -DskipTests install -pl proto,statemachine,raft-node,client,cli,ycsb,tests >/dev/null)
  (cd "$ROOT/tests" && mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$BENCH_DIR/classpath.txt" >/dev/null)
  echo "$(cat "$BENCH_DIR/classpath.txt"):$ROOT/tests/target/classes"
}

SERVER_PIDS=()
CLK_TCK=$(getconf CLK_TCK)

# CPU time (clock ticks, user + system: fields 14 and 15 of /proc/PID/stat) of the server processes.
server_ticks() {
  local pid stat total=0
  for pid in "${SERVER_PIDS[@]}"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + $(echo "${stat##*) }" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# Context switches, voluntary and not, of every live thread of the server processes: one
# "pid/tid count" line per thread. Pools start and retire threads during a window, so a window's
# switches are summed per thread (switches_between): a thread that exits takes its count with it
# and is left out, a thread that starts counts from zero.
server_switches() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    grep -H ctxt_switches /proc/"$pid"/task/*/status 2>/dev/null || true
  done | awk -F'[/:]' '{ s[$3 "/" $5] += $NF } END { for (t in s) print t, s[t] }'
}

switches_between() {  # $1, $2 = server_switches before and after
  awk 'NR == FNR { before[$1] = $2; next } { total += $2 - ($1 in before ? before[$1] : 0) } END { print total + 0 }' \
    <(echo "$1") <(echo "$2")
}

# Cairn's Raft stage timers (docs/operations.md, "Health and metrics"), summed over the nodes and
# their shard replicas (the meta group left out), and its batch sizes: one "series value" line each.
cairn_stages() {
  local i
  for i in 1 2 3; do curl -fsS -m 2 "http://127.0.0.$i:7002/metrics" 2>/dev/null || true; done \
    | awk '/^cairn_(raft_entry|raft_log_flush|raft_log_queue|raft_follower_append|raft_leader_append)_seconds_(sum|count)[{]/ && !/shard="meta"/ ||
           /^cairn_batch_commands_(sum|count)[{]/ { split($1, name, "{"); total[name[1]] += $2 }
           END { for (n in total) print n, total[n] }'
}

# The mean of each stage over a window, in ms, and the commands per log entry, from two
# cairn_stages snapshots: where a write's time went (benchmarks.md, "where one write's millisecond
# goes").
stages_between() {  # $1, $2 = cairn_stages before and after
  awk 'NR == FNR { before[$1] = $2; next } { delta[$1] = $2 - before[$1] }
    END {
      split("raft_entry raft_leader_append raft_follower_append raft_log_flush raft_log_queue", stage, " ")
      for (i = 1; i <= 5; i++) {
        n = delta["cairn_" stage[i] "_seconds_count"]; t = delta["cairn_" stage[i] "_seconds_sum"]
        label = stage[i]; sub(/^raft_/, "", label)
        printf " stage_%s_ms=%s", label, (n > 0 ? sprintf("%.3f", 1000 * t / n) : "n/a")
      }
      n = delta["cairn_batch_commands_count"]
      printf " commands_per_entry=%s\n", (n > 0 ? sprintf("%.1f", delta["cairn_batch_commands_sum"] / n) : "n/a")
    }' <(echo "$1") <(echo "$2")
}

WINDOW_LINE="window started"  # BenchReport.WINDOW_STARTED

run_points() {  # $1 = target, $2... = command prefix taking bench options
  local target=$1; shift
  # Cairn's line says its shard count, as the running cluster was created with it: writes depend
  # on it (docs/shard-cost.md).
  local label="target=$target"
  [ "$target" != cairn ] ||
    label="$label shards=$(sed -n 's/^cluster\.shards=//p' "$CAIRN_RUN_DIR/n1/node.properties")"
  # One unrecorded run first, so the first point does not measure a cold JIT (JVMs on a small
  # machine keep compiling for tens of seconds); the same for both stores. A mix of writes and
  # linearizable reads, so that both paths are compiled: after a warm-up of puts alone, Cairn's
  # read path was still compiling during the mix's points (C2 at 16 % of the nodes' CPU) and the
  # mix at 16 clients ran at a third of its warm rate (docs/benchmarks.md,
  # "a warm-up that missed the read path").
  "$@" --clients 16 --workload mix --duration-s "${WARM_START_S:-30}" --warmup-s 0 \
    --keys 100000 --value-bytes 256 >/dev/null
  local name workload consistency c preload before after switches_before switches_after line ops
  for name in ${BENCH_WORKLOADS:-put get}; do
    case "$name" in
      put | get) workload=$name consistency=linearizable ;;
      get-eventual) workload=get consistency=eventual ;;
      mix) workload=mix consistency=linearizable ;;
      *) echo "bench.sh: unknown workload '$name' (put, get, get-eventual, mix)" >&2; exit 2 ;;
    esac
    for c in $CLIENTS; do
      # Reads run over the keys the put phase wrote (PRELOAD=1 writes all 100k first: slow here).
      preload=""
      [ "${PRELOAD:-0}" = 1 ] && [ "$workload" = get ] && [ "$c" = "$(echo $CLIENTS | awk '{print $1}')" ] && preload="--preload"
      # One JVM per point: it warms up for WARMUP seconds, prints WINDOW_LINE when its measured
      # window starts and its BENCH line when the window is over; the servers' CPU is read then.
      before="" after="" line="" stages=""
      while IFS= read -r out; do
        case "$out" in
          "$WINDOW_LINE"*) before=$(server_ticks) switches_before=$(server_switches)
            [ "$target" != cairn ] || stages_before=$(cairn_stages) ;;
          BENCH*) after=$(server_ticks) switches_after=$(server_switches) line=$out
            [ "$target" != cairn ] || stages=$(stages_between "$stages_before" "$(cairn_stages)") ;;
        esac
      done < <("$@" --clients "$c" --workload "$workload" --consistency "$consistency" \
        --duration-s "$DURATION" --warmup-s "$WARMUP" --keys 100000 --value-bytes 256 $preload)
      [ -n "$line" ] && [ -n "$before" ] || { echo "bench.sh: the $target point $name@$c printed no window or no BENCH line" >&2; exit 1; }
      ops=$(echo "$line" | sed -n 's/.* ops=\([0-9]*\).*/\1/p')
      echo "$line server_cpu_ms_per_op=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="${ops:-0}" \
        'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "n/a" }') \
server_switches_per_op=$(awk -v s="$(switches_between "$switches_before" "$switches_after")" -v n="${ops:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", s / n; else print "n/a" }')$stages" \
        | sed "s/^BENCH/BENCH $label/"
    done
  done
}

# YCSB 0.17 as the load generator (BENCH_GENERATOR=ycsb): issue 10 measured both stores with it,
# so this checks bench.sh's own figures against the yardstick's generator. The same workloads
# (YCSB's CoreWorkload, one 256-byte field over 100k records, loaded first; keys chosen uniformly,
# CoreWorkload's default, or as BENCH_YCSB_DISTRIBUTION says: zipfian, the standard workload files'
# choice, makes a few keys hot), points and columns as run_points; YCSB's threads are the clients.
# Each point is one YCSB JVM that runs WARMUP_S + the duration with a status line every second: the
# window opens at the first line past WARMUP_S and closes at the first past WARMUP_S + duration,
# throughput and server CPU are counted between the two, and the latencies come from YCSB's
# per-second HdrHistogram logs of those seconds (HdrWindow).

# YCSB's command line for a target registered with ycsb_register, with the arguments that follow.
ycsb_cmd() {  # $1 = target, $2... = YCSB arguments
  local t=$1; shift
  java $GEN_JAVA_OPTS -cp "$YCSB_CP" site.ycsb.Client -db "${YCSB_DB[$t]}" \
    -p workload=site.ycsb.workloads.CoreWorkload -p recordcount=100000 \
    -p fieldcount=1 -p fieldlength=256 -p scanproportion=0 -p insertproportion=0 \
    -p requestdistribution="${BENCH_YCSB_DISTRIBUTION:-uniform}" -p operationcount=2000000000 \
    -P "${YCSB_PROPS[$t]}" "$@"
}

declare -A YCSB_DB YCSB_CONSISTENCY YCSB_EVENTUAL YCSB_PROPS TARGET_PIDS TARGET_LABEL
YCSB_CP=""
ROUND_LABEL=""  # "round=N " in interleaved rounds

# What ycsb_cmd and ycsb_point need of a running target: $1 = target, $2 = the class path (made
# before the servers start: a build must not rewrite the jars running nodes load from), $3 = the
# YCSB DB class, $4 = its read-consistency property, $5 = that property's value for get-eventual,
# $6 = a properties file for the binding (may hold a password: mode 600, not argv). The target's
# server processes are SERVER_PIDS at the call.
ycsb_register() {
  local t=$1
  YCSB_CP=$2 YCSB_DB[$t]=$3 YCSB_CONSISTENCY[$t]=$4 YCSB_EVENTUAL[$t]=$5 YCSB_PROPS[$t]=$6
  TARGET_PIDS[$t]="${SERVER_PIDS[*]}"
  local label="target=$t"
  [ "$t" != cairn ] ||
    label="$label shards=$(sed -n 's/^cluster\.shards=//p' "$CAIRN_RUN_DIR/n1/node.properties")"
  [ "$t" != etcd ] || [ "${BENCH_ETCD_PEER_TLS:-0}" != 1 ] || label="$label peer_tls=1"
  TARGET_LABEL[$t]="$label generator=ycsb distribution=${BENCH_YCSB_DISTRIBUTION:-uniform}"
}

# Loads the records and warms the target: $1 = target, $2 = seconds of warm-up.
ycsb_prepare() {
  ycsb_cmd "$1" -load -threads 16 -p insertcount=100000 >"$BENCH_DIR/ycsb-load-$1.log" 2>&1 \
    || { echo "bench.sh: YCSB's load phase failed against $1; see $BENCH_DIR/ycsb-load-$1.log" >&2; exit 1; }
  # Both paths compiled before the first point, as in run_points.
  ycsb_cmd "$1" -t -threads 16 -p readproportion=0.5 -p updateproportion=0.5 \
    -p maxexecutiontime="$2" >/dev/null 2>&1
}

# One point: $1 = target, $2 = workload, $3 = clients. Prints its BENCH line.
ycsb_point() {
  local target=$1 name=$2 c=$3 props hdr out sec ops start_t start_ops end_t end_ops before after
  local switches_before switches_after stages_before stages
  SERVER_PIDS=(${TARGET_PIDS[$target]})
  case "$name" in
    put) props=(-p readproportion=0 -p updateproportion=1) ;;
    get) props=(-p readproportion=1 -p updateproportion=0 -p "${YCSB_CONSISTENCY[$target]}=linearizable") ;;
    get-eventual) props=(-p readproportion=1 -p updateproportion=0
      -p "${YCSB_CONSISTENCY[$target]}=${YCSB_EVENTUAL[$target]}") ;;
    mix) props=(-p readproportion=0.5 -p updateproportion=0.5 -p "${YCSB_CONSISTENCY[$target]}=linearizable") ;;
    *) echo "bench.sh: unknown workload '$name' (put, get, get-eventual, mix)" >&2; exit 2 ;;
  esac
  hdr="$BENCH_DIR/ycsb-hdr/${ROUND_LABEL:+${ROUND_LABEL// /}-}$target-$name-$c"; rm -rf "$hdr"; mkdir -p "$hdr"
  start_t="" end_t="" stages=""
  while IFS= read -r out; do
    [[ "$out" =~ \ ([0-9]+)\ sec:\ ([0-9]+)\ operations\; ]] || continue
    sec=${BASH_REMATCH[1]} ops=${BASH_REMATCH[2]}
    if [ -z "$start_t" ] && [ "$sec" -ge "$WARMUP" ]; then
      start_t=$EPOCHREALTIME start_ops=$ops before=$(server_ticks) switches_before=$(server_switches)
      [ "$target" != cairn ] || stages_before=$(cairn_stages)
    elif [ -n "$start_t" ] && [ -z "$end_t" ] && [ "$sec" -ge $((WARMUP + DURATION)) ]; then
      end_t=$EPOCHREALTIME end_ops=$ops after=$(server_ticks) switches_after=$(server_switches)
      [ "$target" != cairn ] || stages=$(stages_between "$stages_before" "$(cairn_stages)")
    fi
  done < <(ycsb_cmd "$target" -t -threads "$c" "${props[@]}" -s -p status.interval=1 \
    -p maxexecutiontime=$((WARMUP + DURATION + 3)) -p measurementtype=hdrhistogram \
    -p hdrhistogram.fileoutput=true -p hdrhistogram.output.path="$hdr/" 2>&1 >/dev/null | tee "$hdr/ycsb.log")
  [ -n "$end_t" ] || { echo "bench.sh: the YCSB point $name@$c against $target never reached its window's end; see $hdr/ycsb.log" >&2; exit 1; }
  local n=$((end_ops - start_ops)) rate latencies cpu switches
  rate=$(awk -v n=$n -v a="$start_t" -v b="$end_t" 'BEGIN { printf "%.0f", n / (b - a) }')
  latencies=$(java -cp "$YCSB_CP" io.cairn.tests.bench.HdrWindow "$start_t" "$end_t" READ="$hdr/READ.hdr" \
    UPDATE="$hdr/UPDATE.hdr" READ-FAILED="$hdr/READ-FAILED.hdr" UPDATE-FAILED="$hdr/UPDATE-FAILED.hdr")
  cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n=$n \
    'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "n/a" }')
  switches=$(awk -v s="$(switches_between "$switches_before" "$switches_after")" -v n=$n \
    'BEGIN { if (n > 0) printf "%.1f", s / n; else print "n/a" }')
  echo "BENCH $ROUND_LABEL${TARGET_LABEL[$target]} workload=$name clients=$c ops_per_s=$rate $latencies" \
    "server_cpu_ms_per_op=$cpu server_switches_per_op=$switches$stages"
}

# Every point against one target, after its load and warm-up (WARM_START_S, default 30).
run_ycsb_points() {
  ycsb_register "$@"
  ycsb_prepare "$1" "${WARM_START_S:-30}"
  local name c
  for name in ${BENCH_WORKLOADS:-put get}; do
    for c in $CLIENTS; do
      ycsb_point "$1" "$name" "$c"
    done
  done
}

# Starts Cairn's 3 local nodes, sets SERVER_PIDS and, with YCSB, writes the binding's properties
# (CAIRN_YCSB_PROPS; the client certificate and user of --tls or --auth).
CAIRN_YCSB_PROPS="$BENCH_DIR/cairn-ycsb.properties"
cairn_up() {
  "$ROOT/scripts/cluster.sh" wipe >/dev/null
  local extra="${CAIRN_EXTRA_CONFIG:-}"
  if [ "${BENCH_CAIRN_AT_REST:-0}" = 1 ]; then
    mkdir -p "$BENCH_DIR/at-rest" && chmod 700 "$BENCH_DIR/at-rest"
    rm -f "$BENCH_DIR/at-rest/values.keys"
    "$ROOT/scripts/cairnctl" at-rest add-key --file "$BENCH_DIR/at-rest/values.keys" >/dev/null
    extra="${extra:+$extra
}at-rest.key-file=$BENCH_DIR/at-rest/values.keys"
  fi
  CAIRN_EXTRA_CONFIG="$extra" "$ROOT/scripts/cluster.sh" start "--${BENCH_CAIRN_SECURITY:-insecure}" 3 >/dev/null
  # With --tls or --auth, the load generator connects as cluster.sh's client certificate (and user).
  # shellcheck disable=SC1091
  [ ! -f "$CAIRN_RUN_DIR/tls.env" ] || . "$CAIRN_RUN_DIR/tls.env"
  # shellcheck disable=SC1091
  [ ! -f "$CAIRN_RUN_DIR/auth.env" ] || . "$CAIRN_RUN_DIR/auth.env"
  SERVER_PIDS=($(cat "$CAIRN_RUN_DIR"/n[123]/pid))
  [ "${BENCH_GENERATOR:-bench}" = ycsb ] || [ "$WHAT" = interleaved ] || return 0
  (umask 077 && printf '%s\n' "cairn.tls-ca=${CAIRN_TLS_CA:-}" "cairn.tls-cert=${CAIRN_TLS_CERT:-}" \
    "cairn.tls-key=${CAIRN_TLS_KEY:-}" "cairn.user=${CAIRN_USER:-}" "cairn.password=${CAIRN_PASSWORD:-}" \
    >"$CAIRN_YCSB_PROPS")
}

# The nodes' logs outlive the cluster, in run-bench/cairn-logs: a slow window is explained there
# (a snapshot, an election, a host pause), and the wipe would take them.
keep_cairn_logs() {
  local logs="$BENCH_DIR/cairn-logs" f
  # cairn_down runs again on exit, after the wipe: keep what the first call kept.
  compgen -G "$CAIRN_RUN_DIR/n*/node.log" >/dev/null || return 0
  rm -rf "$logs" && mkdir -p "$logs"
  for f in "$CAIRN_RUN_DIR"/n*/node.log; do
    [ ! -f "$f" ] || cp "$f" "$logs/$(basename "$(dirname "$f")").log"
  done
}

cairn_down() {
  rm -f "$CAIRN_YCSB_PROPS"
  keep_cairn_logs
  "$ROOT/scripts/cluster.sh" wipe >/dev/null
}

bench_cairn() {
  (cd "$ROOT" && mvn -B -q -DskipTests package >/dev/null)
  local cp=""
  [ "${BENCH_GENERATOR:-bench}" != ycsb ] || cp=$(tests_classpath)
  trap cairn_down EXIT
  cairn_up
  if [ "${BENCH_GENERATOR:-bench}" = ycsb ]; then
    run_ycsb_points cairn "$cp" io.cairn.ycsb.CairnYcsbClient cairn.read-consistency eventual "$CAIRN_YCSB_PROPS"
  else
    CAIRNCTL_JAVA_OPTS="$GEN_JAVA_OPTS" run_points cairn "$ROOT/scripts/cairnctl" bench
  fi
  cairn_down
}

ETCD_PIDS=()
stop_etcd() {
  for p in "${ETCD_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${ETCD_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  ETCD_PIDS=()
}

# Starts etcd's 3 local members and sets SERVER_PIDS; stop_etcd stops them.
etcd_up() {
  command -v etcd >/dev/null || { echo "bench.sh: etcd not found; apt-get install etcd-server" >&2; exit 1; }
  rm -rf "$BENCH_DIR/etcd"; mkdir -p "$BENCH_DIR/etcd"
  # BENCH_ETCD_PEER_TLS=1: mutual TLS between the members, certificates of their own CA, as Cairn's
  # Raft port always has; etcd's default (and bench.sh's) is plaintext between members.
  local scheme=http peer_tls=() certs="$BENCH_DIR/etcd/certs"
  if [ "${BENCH_ETCD_PEER_TLS:-0}" = 1 ]; then
    scheme=https
    "$ROOT/scripts/cairnctl" certs ca --dir "$certs" --cluster etcd-bench >/dev/null
  fi
  local cluster="e1=$scheme://127.0.0.1:2380,e2=$scheme://127.0.0.2:2380,e3=$scheme://127.0.0.3:2380"
  for i in 1 2 3; do
    if [ "$scheme" = https ]; then
      "$ROOT/scripts/cairnctl" certs node --dir "$certs" --id "e$i" --host "127.0.0.$i" >/dev/null
      peer_tls=(--peer-cert-file "$certs/e$i.pem" --peer-key-file "$certs/e$i.key"
        --peer-trusted-ca-file "$certs/ca.pem" --peer-client-cert-auth)
    fi
    etcd --name "e$i" --data-dir "$BENCH_DIR/etcd/e$i" \
      --listen-client-urls "http://127.0.0.$i:2379" --advertise-client-urls "http://127.0.0.$i:2379" \
      --listen-peer-urls "$scheme://127.0.0.$i:2380" --initial-advertise-peer-urls "$scheme://127.0.0.$i:2380" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token cairn-bench \
      "${peer_tls[@]}" > "$BENCH_DIR/etcd/e$i.log" 2>&1 &
    ETCD_PIDS+=($!)
  done
  local deadline=$((SECONDS + 60))
  until ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:2379 endpoint health >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && { echo "bench.sh: etcd did not become healthy" >&2; exit 1; }
    sleep 0.5
  done
  SERVER_PIDS=("${ETCD_PIDS[@]}")
  : >"$BENCH_DIR/etcd-ycsb.properties"
}

bench_etcd() {
  local cp; cp=$(tests_classpath)
  trap stop_etcd EXIT
  etcd_up
  # The same JVM options as Cairn's generator, so both stores face the same load generator.
  if [ "${BENCH_GENERATOR:-bench}" = ycsb ]; then
    run_ycsb_points etcd "$cp" io.cairn.tests.bench.EtcdYcsbClient etcd.read-consistency serializable \
      "$BENCH_DIR/etcd-ycsb.properties"
  else
    run_points etcd java $GEN_JAVA_OPTS -cp "$cp" io.cairn.tests.bench.EtcdBench --endpoints 127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:2379
  fi
  stop_etcd
}

# Both stores up side by side, under YCSB, measured in BENCH_ROUNDS rounds (default 5): each round
# runs every point once on each store, the first store alternating between rounds, so that the
# VM's slow and fast minutes (its speed moves +-25 % between runs) fall on both alike. A store
# idles while the other is measured (at about 80 ms of CPU per second for Cairn's three nodes and
# 32 for etcd's members, 2026-12-07), and only the measured store's CPU is counted. The rounds'
# BENCH lines go to run-bench/rounds.txt as well; RoundsSummary ends with one SUMMARY line per
# point: each store's medians and the rounds Cairn won. WARM_START_S (default 180) warms Cairn,
# ETCD_WARM_START_S (default 60) etcd, once before the first round.
bench_interleaved() {
  (cd "$ROOT" && mvn -B -q -DskipTests package >/dev/null)
  local cp; cp=$(tests_classpath)
  trap 'stop_etcd; cairn_down' EXIT
  cairn_up
  ycsb_register cairn "$cp" io.cairn.ycsb.CairnYcsbClient cairn.read-consistency eventual "$CAIRN_YCSB_PROPS"
  etcd_up
  ycsb_register etcd "$cp" io.cairn.tests.bench.EtcdYcsbClient etcd.read-consistency serializable \
    "$BENCH_DIR/etcd-ycsb.properties"
  ycsb_prepare cairn "${WARM_START_S:-180}"
  ycsb_prepare etcd "${ETCD_WARM_START_S:-60}"
  : >"$BENCH_DIR/rounds.txt"
  local r order name c t
  for r in $(seq 1 "${BENCH_ROUNDS:-5}"); do
    ROUND_LABEL="round=$r "
    order="cairn etcd"; [ $((r % 2)) = 1 ] || order="etcd cairn"
    for name in ${BENCH_WORKLOADS:-put get}; do
      for c in $CLIENTS; do
        for t in $order; do
          ycsb_point "$t" "$name" "$c" | tee -a "$BENCH_DIR/rounds.txt"
        done
      done
    done
  done
  java -cp "$cp" io.cairn.tests.bench.RoundsSummary <"$BENCH_DIR/rounds.txt"
}

case "$WHAT" in
  cairn) bench_cairn ;;
  etcd) bench_etcd ;;
  both) bench_cairn; bench_etcd ;;
  interleaved) bench_interleaved ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
