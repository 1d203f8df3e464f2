#!/usr/bin/env bash
# Measures disk use under an overwrite-heavy load: a fresh local 3-node cluster (scripts/cluster.sh,
# default settings unless CAIRN_EXTRA_CONFIG says otherwise), CLIENTS writers overwriting a small
# key space for MINUTES, and every INTERVAL_S the bytes under each node's data dir (Raft log
# segments, snapshots, MapDB stores) next to the bytes written so far. Prints a markdown table and
# a summary line; the live data is KEYS x VALUE_BYTES.
#
#   scripts/disk-bound.sh [MINUTES]       default 5
#   KEYS=1000 VALUE_BYTES=1024 CLIENTS=16 INTERVAL_S=30 scripts/disk-bound.sh 10
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CAIRN_RUN_DIR="${CAIRN_RUN_DIR:-$ROOT/run-disk-bound}"
MINUTES="${1:-5}"
KEYS="${KEYS:-1000}"
VALUE_BYTES="${VALUE_BYTES:-1024}"
CLIENTS="${CLIENTS:-16}"
INTERVAL_S="${INTERVAL_S:-30}"

[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] || { echo "disk-bound.sh: MINUTES must be a whole number >= 1" >&2; exit 2; }

"$ROOT/scripts/cluster.sh" wipe >/dev/null
"$ROOT/scripts/cluster.sh" start --insecure 3 >/dev/null
bench_pid=
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
  "$ROOT/scripts/cluster.sh" wipe >/dev/null 2>&1 || true
}
trap cleanup EXIT

node_bytes() { du -sb "$CAIRN_RUN_DIR/n$1/data" | awk '{print $1}'; }
# Puts acknowledged so far: every node's count of OK puts it answered.
acked_puts() {
  local i total=0 n
  for i in 1 2 3; do
    n=$(curl -s "http://127.0.0.$i:7002/metrics" \
      | awk '$1 ~ /^cairn_requests_seconds_count/ && /op="put"/ && /outcome="OK"/ {s += $NF} END {printf "%d", s}')
    total=$((total + n))
  done
  echo "$total"
}

duration_s=$((MINUTES * 60))
"$ROOT/scripts/cairnctl" bench --clients "$CLIENTS" --workload put --duration-s "$duration_s" --warmup-s 0 \
  --keys "$KEYS" --value-bytes "$VALUE_BYTES" > "$CAIRN_RUN_DIR/bench.out" 2>&1 &
bench_pid=$!

live_kib=$((KEYS * VALUE_BYTES / 1024))
echo "overwrite load: $CLIENTS writers, $KEYS keys x $VALUE_BYTES bytes (live data ~$live_kib KiB), $MINUTES min"
echo
echo "| elapsed s | puts acknowledged | values written MiB | n1 MiB | n2 MiB | n3 MiB |"
echo "|---|---|---|---|---|---|"
start=$SECONDS
max=0
while kill -0 "$bench_pid" 2>/dev/null && [ $((SECONDS - start)) -le $((duration_s + 60)) ]; do
  sleep "$INTERVAL_S"
  puts=$(acked_puts)
  row="| $((SECONDS - start)) | $puts | $(awk -v i="$puts" -v b="$VALUE_BYTES" 'BEGIN {printf "%.0f", i * b / 1048576}')"
  for i in 1 2 3; do
    b=$(node_bytes "$i")
    [ "$b" -gt "$max" ] && max=$b
    row+=" | $(awk -v b="$b" 'BEGIN {printf "%.1f", b / 1048576}')"
  done
  echo "$row |"
done
wait "$bench_pid" || true
bench_pid=
echo
grep '^BENCH' "$CAIRN_RUN_DIR/bench.out" || { echo "the bench did not report:"; tail -20 "$CAIRN_RUN_DIR/bench.out"; exit 1; }
echo "largest data dir seen: $(awk -v b="$max" 'BEGIN {printf "%.1f", b / 1048576}') MiB"
