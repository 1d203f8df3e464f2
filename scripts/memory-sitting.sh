#!/usr/bin/env bash
# Memory with 1M keys x 256 B, next to etcd (docs/benchmarks.md, "Memory with 1M keys"): starts 3
# local nodes of one store on fresh data dirs, preloads the keys at 64 clients, prints RSS per node,
# runs 30 s of puts at 64 clients over the keys (CPU per put of the three servers), prints RSS
# again and, for Cairn, GC counts and times, the live heap after a full GC and the class histogram.
# Run the stores one after another in one sitting; everything it starts is stopped at the end.
#
#   scripts/memory-sitting.sh etcd
#   scripts/memory-sitting.sh cairn "-Xms128m -Xmx384m"   (scripts/cluster.sh's default for 3 shards)
#
# Needs etcd 3.4 (apt-get install etcd-server etcd-client) and a built tree (mvn -DskipTests install).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${MEMORY_SITTING_DIR:-/tmp/cairn-memory-sitting}"
WHAT=${1:?usage: memory-sitting.sh etcd | cairn "JAVA_OPTS"}
OPTS=${2:-}
HZ=$(getconf CLK_TCK)
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
rss() { for p in "$@"; do awk '/VmRSS/{printf "%d ", $2/1024}' /proc/$p/status; done; }
if [ "$WHAT" = cairn ]; then
  export CAIRN_RUN_DIR=$WORK/cairn
  "$ROOT/scripts/cluster.sh" wipe >/dev/null 2>&1 || true
  CAIRN_JAVA_OPTS="$OPTS" "$ROOT/scripts/cluster.sh" start --insecure 3 >/dev/null
  PIDS=($(cat $CAIRN_RUN_DIR/n[123]/pid))
  GEN=("$ROOT/scripts/cairnctl" bench)
else
  rm -rf $WORK/etcd; mkdir -p $WORK/etcd
  cluster="e1=http://127.0.0.1:2380,e2=http://127.0.0.2:2380,e3=http://127.0.0.3:2380"
  PIDS=()
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$WORK/etcd/e$i" \
      --listen-client-urls "http://127.0.0.$i:2379" --advertise-client-urls "http://127.0.0.$i:2379" \
      --listen-peer-urls "http://127.0.0.$i:2380" --initial-advertise-peer-urls "http://127.0.0.$i:2380" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token rss \
      > "$WORK/etcd/e$i.log" 2>&1 &
    PIDS+=($!)
  done
  for _ in $(seq 1 120); do ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:2379 endpoint health >/dev/null 2>&1 && break; sleep 0.5; done
  (cd $ROOT/tests && mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=$WORK/cp.txt >/dev/null)
  cp=$(cat $WORK/cp.txt):$ROOT/tests/target/classes
  GEN=(java -XX:TieredStopAtLevel=1 -cp "$cp" io.cairn.tests.bench.EtcdBench --endpoints 127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:2379)
fi
echo "$WHAT $OPTS idle RSS MB: $(rss "${PIDS[@]}")"
start=$SECONDS
"${GEN[@]}" --clients 64 --workload get --consistency eventual --keys 1000000 --value-bytes 256 --preload --duration-s 2 --warmup-s 0 | grep '^BENCH' || true
echo "$WHAT preload took $((SECONDS - start)) s; RSS MB after preload: $(rss "${PIDS[@]}")"
b=$(ticks "${PIDS[@]}")
line=$("${GEN[@]}" --clients 64 --workload put --keys 1000000 --value-bytes 256 --duration-s 30 --warmup-s 0 | grep '^BENCH')
a=$(ticks "${PIDS[@]}")
ops=$(echo "$line" | sed -n 's/.* ops=\([0-9]*\).*/\1/p')
echo "$line cpu_ms_per_op=$(awk -v t=$((a-b)) -v hz=$HZ -v n=$ops 'BEGIN{printf "%.3f", t*1000/hz/n}')"
echo "$WHAT RSS MB after puts: $(rss "${PIDS[@]}")"
if [ "$WHAT" = cairn ]; then
  for p in "${PIDS[@]}"; do
    echo "node $p GC: $(jstat -gcutil $p | tail -1)"
    jcmd $p GC.run >/dev/null; jcmd $p GC.heap_info | grep -E "garbage-first heap|used" | head -2 | tr -s ' ' | tr '\n' ' '; echo
  done
  jcmd "${PIDS[0]}" GC.class_histogram | head -25
  "$ROOT/scripts/cluster.sh" wipe >/dev/null
else
  du -sm $WORK/etcd/e1
  for p in "${PIDS[@]}"; do kill $p; done; for p in "${PIDS[@]}"; do wait $p 2>/dev/null || true; done
  rm -rf $WORK/etcd
fi
