#!/usr/bin/env bash
# What a replica move costs: a local 3-node cluster (scripts/cluster.sh, its own run dir) loaded
# with KEYS values of VALUE_BYTES (default 16,384 x 64 KiB = 1 GiB), then a 4th node joins and the
# rebalancer moves its share of replicas onto it. Meanwhile a small mixed workload runs in 10-s
# windows (cairnctl bench), so latency before, during and after the moves can be compared.
#
#   scripts/move-bench.sh [OUT_DIR]       (default /tmp/move-bench)
#
# OUT_DIR gets: load.txt, windows.txt (unix start time + the bench's BENCH line per window),
# events.txt (when the node was added, healthy, when no move was left), moves.txt (the leaders'
# log lines for each configuration change), status and node list before and after.
# Environment: KEYS, VALUE_BYTES, CAIRN_RUN_DIR (default /tmp/cairn-move-bench; wiped first).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-/tmp/move-bench}"
export CAIRN_RUN_DIR="${CAIRN_RUN_DIR:-/tmp/cairn-move-bench}"
KEYS="${KEYS:-16384}"
VALUE_BYTES="${VALUE_BYTES:-65536}"
rm -rf "$OUT"; mkdir -p "$OUT"
bash scripts/cluster.sh wipe >/dev/null 2>&1 || true
CAIRN_SHARDS=3 bash scripts/cluster.sh start --insecure 3 || exit 1
echo "loading $KEYS x $VALUE_BYTES bytes: $(date +%T)"
scripts/cairnctl bench --workload put --keys "$KEYS" --value-bytes "$VALUE_BYTES" --clients 8 \
  --preload --duration-s 1 --warmup-s 0 > "$OUT/load.txt" 2>&1
echo "loaded: $(date +%T)"
scripts/cairnctl -o json status > "$OUT/status-before.json" 2>&1
(
  for _ in $(seq 1 40); do
    [ -f "$OUT/stop" ] && break
    start=$(date +%s)
    line=$(scripts/cairnctl bench --workload mix --clients 4 --keys 20000 --value-bytes 256 \
      --duration-s 10 --warmup-s 0 2>/dev/null | grep '^BENCH')
    echo "$start $line" >> "$OUT/windows.txt"
  done
) &
windows=$!
sleep 35
echo "add: $(date +%s) $(date +%T)" | tee -a "$OUT/events.txt"
bash scripts/cluster.sh add > "$OUT/add.txt" 2>&1
echo "n4 healthy: $(date +%s)" | tee -a "$OUT/events.txt"
for _ in $(seq 1 600); do
  moving=$(scripts/cairnctl -o json map 2>/dev/null | grep -c '"move"' || true)
  [ "$moving" = 0 ] && break
  sleep 1
done
echo "settled: $(date +%s) $(date +%T)" | tee -a "$OUT/events.txt"
sleep 35
touch "$OUT/stop"
wait "$windows"
scripts/cairnctl -o json status > "$OUT/status-after.json" 2>&1
scripts/cairnctl node list > "$OUT/nodes.txt" 2>&1
grep -h "changing voters\|voters are now\|finished in map\|handed" "$CAIRN_RUN_DIR"/n*/node.log \
  | sort > "$OUT/moves.txt"
bash scripts/cluster.sh stop > /dev/null 2>&1
echo "results in $OUT"
