#!/usr/bin/env bash
# Runs YCSB 0.17 (site.ycsb:core from Maven Central) against Cairn through the cairn-ycsb binding.
#
#   scripts/ycsb.sh load [YCSB options]   # the load phase: insert recordcount records
#   scripts/ycsb.sh run [YCSB options]    # the transaction phase
#
# Defaults (override any with -p name=value or -P file): workload=site.ycsb.workloads.CoreWorkload,
# recordcount=100000, fieldcount=1, fieldlength=256 (one 256-byte value per record, as in
# docs/benchmarks.md), readproportion=0.5, updateproportion=0.5 (workload A), threads via -threads.
# Binding properties: cairn.endpoints (default the local cluster's), cairn.read-consistency
# (linearizable | session | eventual), cairn.request-timeout-ms, and for a secured cluster
# cairn.tls-ca, cairn.tls-cert, cairn.tls-key, cairn.user, cairn.password (by default from
# CAIRN_TLS_CA, CAIRN_TLS_CERT, CAIRN_TLS_KEY, CAIRN_USER, CAIRN_PASSWORD, or, when those are unset,
# from the local cluster's run/tls.env and run/auth.env). Scans are not supported.
#
#   scripts/ycsb.sh load -threads 16
#   scripts/ycsb.sh run -threads 64 -p operationcount=10000000 -p maxexecutiontime=30 \
#       -p readproportion=1 -p updateproportion=0 -p cairn.read-consistency=eventual
#
# Builds the ycsb module first if its jar or its libraries are missing. Environment: CAIRN_ENDPOINTS,
# YCSB_JAVA_OPTS (JVM options of the load generator; default none).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/ycsb/target"
PHASE="${1:-}"
case "$PHASE" in
  load) PHASE_FLAG=-load ;;
  run) PHASE_FLAG=-t ;;
  *) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
shift

jar() { ls "$TARGET"/cairn-ycsb-*.jar 2>/dev/null | grep -v -e '-sources\.jar$' -e '-tests\.jar$' | head -1 || true; }
if [ -z "$(jar)" ] || [ ! -d "$TARGET/lib" ]; then
  echo "ycsb.sh: building the YCSB binding (mvn -B -q -DskipTests -pl ycsb -am package)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests -pl ycsb -am package) >&2 \
    || { echo "ycsb.sh: build failed; run 'mvn -B -pl ycsb -am package' to see why" >&2; exit 5; }
fi

# A local cluster of scripts/cluster.sh with TLS or auth: its client certificate and root's login.
RUN_DIR="${CAIRN_RUN_DIR:-$ROOT/run}"
if [ -z "${CAIRN_TLS_CA:-}" ] && [ -f "$RUN_DIR/tls.env" ]; then
  # shellcheck disable=SC1091  # written by scripts/cluster.sh
  . "$RUN_DIR/tls.env"
  # shellcheck disable=SC1091  # written by scripts/cluster.sh
  [ -n "${CAIRN_USER:-}" ] || [ ! -f "$RUN_DIR/auth.env" ] || . "$RUN_DIR/auth.env"
fi

# The defaults go in a properties file given first: YCSB lets later -P files and every -p override it.
DEFAULTS=$(mktemp)
trap 'rm -f "$DEFAULTS"' EXIT
cat >"$DEFAULTS" <<PROPS
workload=site.ycsb.workloads.CoreWorkload
recordcount=100000
fieldcount=1
fieldlength=256
readproportion=0.5
updateproportion=0.5
scanproportion=0
insertproportion=0
cairn.endpoints=${CAIRN_ENDPOINTS:-127.0.0.1:7001,127.0.0.2:7001,127.0.0.3:7001}
cairn.tls-ca=${CAIRN_TLS_CA:-}
cairn.tls-cert=${CAIRN_TLS_CERT:-}
cairn.tls-key=${CAIRN_TLS_KEY:-}
cairn.user=${CAIRN_USER:-}
cairn.password=${CAIRN_PASSWORD:-}
PROPS
# shellcheck disable=SC2086
java ${YCSB_JAVA_OPTS:-} -cp "$(jar):$TARGET/lib/*" site.ycsb.Client "$PHASE_FLAG" \
  -db io.cairn.ycsb.CairnYcsbClient -P "$DEFAULTS" -s "$@"
