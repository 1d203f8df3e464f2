#!/usr/bin/env bash
# Sums up the runs of a chaos soak (scripts/chaos.sh --long): how many runs and with which
# verdicts, operations by outcome, fault episodes by kind, and the failover figures over every
# leader kill of every run (median, p99, max of kill -> next OK write on that shard), plus the
# same for whole-cluster restarts. Reads the soak-seed-*.log files chaos.sh writes.
#
#   scripts/soak-report.sh [SUITE_DIR ...]    default: the newest tests/target/chaos/suite-*
#                                             (several: one soak that was restarted, summed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIRS=("$@")
if [ ${#DIRS[@]} -eq 0 ]; then
  DIRS=("$(ls -d "$ROOT"/tests/target/chaos/suite-* 2>/dev/null | sort | tail -n 1)")
fi
shopt -s nullglob
logs=()
for DIR in "${DIRS[@]}"; do
  [ -n "$DIR" ] && [ -d "$DIR" ] || { echo "soak-report.sh: no suite directory '$DIR' (run scripts/chaos.sh --long first)" >&2; exit 2; }
  logs+=("$DIR"/soak-seed-*.log)
done
[ "${#logs[@]}" -gt 0 ] || { echo "soak-report.sh: no soak-seed-*.log in ${DIRS[*]}" >&2; exit 2; }

awk '
  function pct(arr, n, p,   r) { if (n == 0) return "-"; r = int(p * n); if (r < p * n) r++; if (r < 1) r = 1; return arr[r] }
  function sortnum(arr, n,   i, j, t) { for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t } }
  FNR == 1 { runs++; file = FILENAME; finished[file] = 0 }
  /^operations: / {
    ops += $2; gsub(/[(),]/, " "); for (i = 1; i <= NF; i++) { if ($i == "OK") ok += $(i + 1); if ($i == "FAIL") fail += $(i + 1); if ($i == "INFO") info += $(i + 1) }
  }
  /^faults injected/ {
    line = $0; sub(/.*\{/, "", line); sub(/\}.*/, "", line); n = split(line, parts, ", ")
    for (i = 1; i <= n; i++) { split(parts[i], kv, "="); faults[kv[1]] += kv[2]; episodes += kv[2] }
  }
  /^verdict: / { finished[file] = 1; verdicts[$2]++ }
  /^failover \(single-node/ { match($0, /[0-9]+ unrecovered/); unrec += substr($0, RSTART, RLENGTH) + 0; match($0, /[0-9]+ operations on those shards ended INFO/); finfo += substr($0, RSTART, RLENGTH) + 0 }
  /^whole-cluster restarts: / { match($0, /[0-9]+ unrecovered/); runrec += substr($0, RSTART, RLENGTH) + 0; match($0, /[0-9]+ operations on those shards ended INFO/); rinfo += substr($0, RSTART, RLENGTH) + 0 }
  /^failover samples ms:/ { for (i = 4; i <= NF; i++) f[++nf] = $i + 0 }
  /^restart samples ms:/ { for (i = 4; i <= NF; i++) r[++nr] = $i + 0 }
  END {
    unfinished = 0; for (k in finished) if (!finished[k]) unfinished++
    printf "runs: %d (%d without a verdict: still running or interrupted)\n", runs, unfinished
    printf "verdicts:"; for (v in verdicts) printf " %s=%d", v, verdicts[v]; printf "\n"
    printf "operations: %d (OK %d, FAIL %d, INFO %d)\n", ops, ok, fail, info
    printf "faults injected: %d:", episodes; for (k in faults) printf " %s=%d", k, faults[k]; printf "\n"
    sortnum(f, nf); sortnum(r, nr)
    printf "failover (leader kills): %d recovered, %d unrecovered; kill -> next OK write median %s ms, p99 %s ms, max %s ms; %d operations ended INFO meanwhile\n", nf, unrec, pct(f, nf, 0.5), pct(f, nf, 0.99), pct(f, nf, 1.0), finfo
    printf "whole-cluster restarts: %d recovered, %d unrecovered; median %s ms, p99 %s ms, max %s ms; %d operations ended INFO meanwhile\n", nr, runrec, pct(r, nr, 0.5), pct(r, nr, 0.99), pct(r, nr, 1.0), rinfo
  }
' "${logs[@]}"
printf 'logs: %s/soak-seed-*.log\n' "${DIRS[@]}"
