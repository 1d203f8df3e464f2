#!/usr/bin/env bash
# Measures what a shard costs on this machine: for each shard count S, starts a fresh local
# 3-node cluster (scripts/cluster.sh), lets it settle, then samples every node's threads, RSS,
# used heap (after a GC) and idle CPU over a window. Prints one markdown table row per S.
#
#   scripts/shard-cost.sh [S ...]        default: 1 8 32 64
#   SETTLE_S=15 WINDOW_S=30 scripts/shard-cost.sh 8
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CAIRN_RUN_DIR="${CAIRN_RUN_DIR:-$ROOT/run-shard-cost}"
SETTLE_S="${SETTLE_S:-15}"
WINDOW_S="${WINDOW_S:-30}"
CLK_TCK=$(getconf CLK_TCK)
shards=("$@"); [ ${#shards[@]} -eq 0 ] && shards=(1 8 32 64)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "| shards | replicas/node | threads/node | RSS MiB/node | heap used MiB/node | idle CPU %/node |"
echo "|---|---|---|---|---|---|"
for s in "${shards[@]}"; do
  "$ROOT/scripts/cluster.sh" wipe >/dev/null
  CAIRN_SHARDS=$s CAIRN_START_TIMEOUT_S=300 "$ROOT/scripts/cluster.sh" start --insecure 3 >/dev/null
  sleep "$SETTLE_S"
  pids=(); for i in 1 2 3; do pids+=("$(cat "$CAIRN_RUN_DIR/n$i/pid")"); done
  declare -A t0=()
  for p in "${pids[@]}"; do t0[$p]=$(cpu_ticks "$p"); done
  sleep "$WINDOW_S"
  threads=0 rss=0 cpu=0 heap=0
  for i in 1 2 3; do
    p=${pids[$((i-1))]}
    threads=$((threads + $(ps -o nlwp= -p "$p")))
    rss=$((rss + $(ps -o rss= -p "$p")))
    cpu=$((cpu + $(cpu_ticks "$p") - ${t0[$p]}))
    jcmd "$p" GC.run >/dev/null 2>&1 || true
    h=$(curl -s "http://127.0.0.$i:7002/metrics" | awk '$1 ~ /^jvm_memory_used_bytes/ && /area="heap"/ {s += $NF} END {printf "%d", s}')
    heap=$((heap + h))
  done
  awk -v s="$s" -v t="$threads" -v r="$rss" -v c="$cpu" -v h="$heap" -v w="$WINDOW_S" -v hz="$CLK_TCK" 'BEGIN {
    printf "| %d | %d | %d | %.0f | %.0f | %.1f |\n", s, s + 1, t / 3, r / 3 / 1024, h / 3 / 1048576, 100 * c / hz / w / 3 }'
done
"$ROOT/scripts/cluster.sh" wipe >/dev/null
