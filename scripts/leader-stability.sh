#!/usr/bin/env bash
# Leader changes under steady load: starts a local 3-node cluster (scripts/cluster.sh, in
# run-stability/), reads every replica's Raft term from /metrics, runs writes at C clients for S
# seconds, reads the terms again and prints how many elections each group went through (a term
# rises once per election, won or not). Shorter election timeouts fail over faster; this is how to
# check they do not also cost spurious elections on a loaded machine.
#
#   scripts/leader-stability.sh [seconds] [clients]        default 600 s, 64 clients
#
# Environment: WARMUP_S (uncounted load first, default 30), LOGS_DIR (where the nodes' logs are
# kept, default stability-logs/), CAIRN_EXTRA_CONFIG (node settings to try, e.g.
# $'raft.election-timeout-ms-min=300\nraft.election-timeout-ms-max=600'), CAIRN_JAVA_OPTS,
# WORKLOAD (put, default, or get).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_UNDER_LOAD="${1:-600}"
CLIENTS="${2:-64}"
export CAIRN_RUN_DIR="$ROOT/run-stability"

# "shard=term" for every replica of every node, one per line, sorted.
terms() {
  for i in 1 2 3; do
    curl -fsS -m 5 "http://127.0.0.$i:7002/metrics" \
      | sed -n 's/^cairn_replica_term{[^}]*shard="\([^"]*\)"[^}]*} \([0-9.]*\)$/\1 \2/p' \
      | awk -v n="n$i" '{printf "%s %s %d\n", $1, n, $2}'
  done | sort
}

# The nodes' logs outlive the cluster (an election is explained there): copied to LOGS_DIR.
LOGS_DIR="${LOGS_DIR:-$ROOT/stability-logs}"
cleanup() {
  mkdir -p "$LOGS_DIR"
  for i in 1 2 3; do
    cp "$CAIRN_RUN_DIR/n$i/node.log" "$LOGS_DIR/n$i.log" 2>/dev/null || true
  done
  "$ROOT/scripts/cluster.sh" wipe >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$ROOT/scripts/cluster.sh" wipe >/dev/null
(cd "$ROOT" && mvn -B -q -o -DskipTests package >/dev/null 2>&1 || mvn -B -q -DskipTests package >/dev/null)
"$ROOT/scripts/cluster.sh" start --insecure 3 >/dev/null
# The same load first, uncounted: in its first seconds a new cluster hands a shard's leadership to
# the replica its map prefers (one term each, logged as "leader is now"), which is placement, not
# an election under steady load.
if [ "${WARMUP_S:-30}" -gt 0 ]; then
  "$ROOT/scripts/cairnctl" bench --clients "$CLIENTS" --workload "${WORKLOAD:-put}" \
    --duration-s "${WARMUP_S:-30}" --warmup-s 0 --keys 100000 --value-bytes 256 >/dev/null
fi
before=$(terms)
[ -n "$before" ] || { echo "leader-stability.sh: no cairn_replica_term in /metrics" >&2; exit 1; }
"$ROOT/scripts/cairnctl" bench --clients "$CLIENTS" --workload "${WORKLOAD:-put}" \
  --duration-s "$SECONDS_UNDER_LOAD" --warmup-s 0 --keys 100000 --value-bytes 256 | grep '^BENCH'
after=$(terms)
# Highest term per group before and after: the elections the group went through meanwhile.
join <(echo "$before" | awk '{ if ($3 > t[$1]) t[$1] = $3 } END { for (g in t) print g, t[g] }' | sort) \
     <(echo "$after" | awk '{ if ($3 > t[$1]) t[$1] = $3 } END { for (g in t) print g, t[g] }' | sort) \
  | awk '{ d = $3 - $2; total += d; printf "group %s: term %d -> %d (%d elections)\n", $1, $2, $3, d }
         END { printf "STABILITY elections=%d seconds=%s clients=%s\n", total, "'"$SECONDS_UNDER_LOAD"'", "'"$CLIENTS"'" }'
