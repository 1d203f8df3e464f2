#!/usr/bin/env bash
# Local Cairn cluster on loopback: node i listens on 127.0.0.i (raft 7000, clients 7001, http 7002,
# peers 7003, Raft links 7004),
# with its own data dir, config and log under run/n<i>/ (CAIRN_RUN_DIR overrides run/).
#
#   scripts/cluster.sh start [--auth|--tls|--insecure] [N]
#                                   build if needed, start N nodes (default 3), wait until healthy.
#                                   How the client port is secured is chosen when the cluster is
#                                   created (later starts keep it): --auth, the default: mutual TLS
#                                   and users and roles (auth.enabled); a user root is made with a
#                                   random password; run/tls.env and run/auth.env hold cairnctl's
#                                   certificate and root's login, and scripts/cairnctl uses them by
#                                   itself. --tls: mutual TLS, no users (auth.enabled=false).
#                                   --insecure: plaintext and open to every caller (auth.enabled=
#                                   false; the nodes log that they are open). The Raft port always
#                                   takes members' certificates only.
#   scripts/cluster.sh stop         graceful stop of every node (SIGTERM, then SIGKILL after 20 s)
#   scripts/cluster.sh status       pid, liveness and /health of every node
#   scripts/cluster.sh kill I       kill -9 node I
#   scripts/cluster.sh restart I    stop node I if running, start it again with its data
#   scripts/cluster.sh add          start one more node that joins the running cluster; the
#                                   rebalancer moves its share of replicas onto it
#   scripts/cluster.sh remove I     drain node I (its replicas move to the others), remove it from
#                                   the cluster and stop it; its id is not used again
#   scripts/cluster.sh wipe         stop everything and delete run/
#
# Environment: CAIRN_SHARDS (the shards the cluster starts with, default 1: on one machine 1 served
# 2-2.6x the writes of 3 at 16-64 clients, docs/shard-cost.md; the cluster adds one per 3 more
# active nodes by itself, membership.nodes-per-shard, and `cairnctl shard add` adds one by hand:
# docs/shard-split.md), CAIRN_JAVA_OPTS (default -Xms128m and -Xmx of 1.5 x
# (200 MB + 16 MB per shard), at least 384 MB, with the JVM's own tiered C1+C2 compilers: after a
# 3-minute warm-up they served as many writes/s as C1 alone and 1.4x the linearizable reads at 64
# clients, see docs/benchmarks.md; C2 costs CPU in the first minutes only, and a server runs for
# weeks. The heap: the live heap was 133-144 MB with 1M keys and 3 shards, mostly the value cache
# (cache.shard-bytes-max, 16 MB, per shard replica) and Ratis's caches, and G1 grows to its cap, so
# every MB of -Xmx beyond what it needs is RSS and nothing else: 384 MB against 512 MB, 120 MB less
# RSS per node for the same writes/s, docs/benchmarks.md 2026-12-06),
# CAIRN_EXTRA_CONFIG (extra lines appended to every node's config).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${CAIRN_RUN_DIR:-$ROOT/run}"
RAFT_PORT=7000 CLIENT_PORT=7001 HTTP_PORT=7002 PEER_PORT=7003
SHARDS="${CAIRN_SHARDS:-1}"
HEAP_MB=$(( 3 * (200 + 16 * SHARDS) / 2 ))
if [ "$HEAP_MB" -lt 384 ]; then HEAP_MB=384; fi
JAVA_OPTS="${CAIRN_JAVA_OPTS:--Xms128m -Xmx${HEAP_MB}m}"
START_TIMEOUT_S="${CAIRN_START_TIMEOUT_S:-90}"

die() { echo "cluster.sh: $*" >&2; exit 1; }

node_count() {
  [ -f "$RUN/cluster.size" ] && cat "$RUN/cluster.size" || echo 0
}

node_pid() {
  local f="$RUN/n$1/pid"
  [ -f "$f" ] && cat "$f" || true
}

alive() {
  local pid; pid=$(node_pid "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

build_if_needed() {
  if ! ls "$ROOT"/raft-node/target/cairn-raft-node-*.jar >/dev/null 2>&1 \
      || [ ! -d "$ROOT/raft-node/target/lib" ] \
      || ! ls "$ROOT"/cli/target/cairn-cli-*.jar >/dev/null 2>&1; then
    echo "cluster.sh: building Cairn (mvn package, tests skipped)..." >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) || die "build failed; run 'mvn -B package' to see why"
  fi
}

classpath() {
  local jar; jar=$(ls "$ROOT"/raft-node/target/cairn-raft-node-*.jar | head -1)
  echo "$jar:$ROOT/raft-node/target/lib/*"
}

# The Raft port takes only certificates of the cluster's own CA (docs/security.md): the CA is made
# once in run/certs, and node I's certificate (naming 127.0.0.I) when it first needs one. Prints the
# config lines that point node I at them; none when CAIRN_EXTRA_CONFIG opens the port on purpose.
peer_tls_config() {
  local i=$1 certs="$RUN/certs"
  case "${CAIRN_EXTRA_CONFIG:-}" in *peer-tls.insecure=true*) return ;; esac
  if [ ! -f "$certs/ca.pem" ]; then
    "$ROOT/scripts/cairnctl" certs ca --dir "$certs" --cluster cairn-local >&2 \
      || die "cannot create the cluster's CA in $certs"
  fi
  if [ ! -f "$certs/n$i.pem" ]; then
    "$ROOT/scripts/cairnctl" certs node --dir "$certs" --id "n$i" --host "127.0.0.$i" >&2 \
      || die "cannot issue node n$i's certificate"
  fi
  printf '%s\n' "peer-tls.cert-file=$certs/n$i.pem" "peer-tls.key-file=$certs/n$i.key" \
    "peer-tls.ca-file=$certs/ca.pem"
}

# With --tls or --auth (run/client-tls marks it): a CA for clients in run/client-certs, one client
# certificate (cairnctl.pem) and run/tls.env, which points cairnctl at it. Prints the config lines
# that turn on mutual TLS on node I's client port.
client_tls_config() {
  local certs="$RUN/client-certs"
  [ -f "$RUN/client-tls" ] || return 0
  if [ ! -f "$certs/ca.pem" ]; then
    "$ROOT/scripts/cairnctl" certs ca --dir "$certs" --cluster cairn-local-clients >&2 \
      || die "cannot create the client CA in $certs"
  fi
  if [ ! -f "$certs/cairnctl.pem" ]; then
    "$ROOT/scripts/cairnctl" certs client --dir "$certs" --name cairnctl >&2 \
      || die "cannot issue cairnctl's client certificate"
  fi
  printf '%s\n' "export CAIRN_TLS_CA=$RUN/certs/ca.pem" "export CAIRN_TLS_CERT=$certs/cairnctl.pem" \
    "export CAIRN_TLS_KEY=$certs/cairnctl.key" > "$RUN/tls.env"
  printf '%s\n' "client-tls.enabled=true" "client-tls.client-ca-file=$certs/ca.pem"
}

# With --auth (run/auth marks it): the token-signing key every node shares, in run/auth-keys.
# Prints the config lines that turn auth on, or the one that says it is off on purpose.
auth_config() {
  local keys="$RUN/auth-keys/tokens.keys"
  [ -f "$RUN/auth" ] || { echo "auth.enabled=false"; return 0; }
  if [ ! -f "$keys" ]; then
    mkdir -p "$RUN/auth-keys" && chmod 700 "$RUN/auth-keys"
    "$ROOT/scripts/cairnctl" at-rest add-key --file "$keys" >/dev/null \
      || die "cannot create the token key in $keys"
  fi
  printf '%s\n' "auth.enabled=true" "auth.token-key-file=$keys"
}

# With --auth, once the cluster is up: a user root with a random password, made as a member (node
# n1's certificate), and run/auth.env, which logs cairnctl in as root.
make_root_user() {
  local pw
  [ -f "$RUN/auth" ] && [ ! -f "$RUN/auth.env" ] || return 0
  pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$pw" | "$ROOT/scripts/cairnctl" --endpoints "127.0.0.1:$CLIENT_PORT" \
    --tls-ca "$RUN/certs/ca.pem" --tls-cert "$RUN/certs/n1.pem" --tls-key "$RUN/certs/n1.key" \
    user put root --role root --password-stdin >/dev/null || die "cannot create the root user"
  (umask 077 && printf '%s\n' "export CAIRN_USER=root" "export CAIRN_PASSWORD=$pw" > "$RUN/auth.env")
}

# A cluster made before auth became a node's default has configs without an auth.enabled line,
# which a node now reads as auth on: say off, as the cluster was made.
keep_open_configs() {
  local f
  for f in "$RUN"/n*/node.properties; do
    [ -f "$f" ] || continue
    grep -q '^auth\.enabled=' "$f" || echo "auth.enabled=false" >> "$f"
  done
}

# Configs written before nodes had a peer port (node-to-node calls, 2026-12-04) list four ports per
# node in cluster.nodes, which nodes now refuse: give each entry the peer port. The map such a
# cluster holds has no peer ports, so its nodes keep calling each other on the client port.
add_peer_ports() {
  local f
  for f in "$RUN"/n*/node.properties; do
    [ -f "$f" ] || continue
    grep -q '^node\.peer-port=' "$f" || echo "node.peer-port=$PEER_PORT" >> "$f"
    sed -i -E '/^cluster\.nodes=/{s/(@[^:,]+:[0-9]+:[0-9]+:[0-9]+)(,|$)/\1:'"$PEER_PORT"'\2/g}' "$f"
  done
}

# Writes node I's config: its own addresses and data dir, then how it finds the cluster (the
# lines given), its certificates, then CAIRN_EXTRA_CONFIG.
write_node_config() {
  local i=$1 tls client_tls auth
  shift
  mkdir -p "$RUN/n$i/data"
  tls=$(peer_tls_config "$i")
  client_tls=$(client_tls_config)
  auth=$(auth_config)
  {
    printf '%s\n' "node.id=n$i" "node.host=127.0.0.$i" "node.raft-port=$RAFT_PORT" \
      "node.client-port=$CLIENT_PORT" "node.http-port=$HTTP_PORT" "node.peer-port=$PEER_PORT" \
      "data.dir=$RUN/n$i/data" \
      "cluster.id=cairn-local" "cluster.shards=$SHARDS" "$@"
    [ -z "$tls" ] || printf '%s\n' "$tls"
    [ -z "$client_tls" ] || printf '%s\n' "$client_tls"
    [ -z "$auth" ] || printf '%s\n' "$auth"
    if [ -n "${CAIRN_EXTRA_CONFIG:-}" ]; then
      printf '%s\n' "$CAIRN_EXTRA_CONFIG"
    fi
  } > "$RUN/n$i/node.properties"
}

# A seed of an N-node cluster.
write_config() {
  local i=$1 n=$2 nodes="" j
  for j in $(seq 1 "$n"); do
    nodes+="${nodes:+,}n$j@127.0.0.$j:$RAFT_PORT:$CLIENT_PORT:$HTTP_PORT:$PEER_PORT"
  done
  local rf=3; [ "$n" -lt 3 ] && rf=$n
  write_node_config "$i" "cluster.nodes=$nodes" "cluster.replication-factor=$rf"
}

# A node that joins the running cluster through node VIA instead of being one of the seeds.
write_join_config() {
  write_node_config "$1" "cluster.join=127.0.0.$2:$CLIENT_PORT"
}

# cairnctl against the live nodes of the local cluster.
ctl() {
  local endpoints="" j
  for j in $(seq 1 "$(node_count)"); do
    alive "$j" && endpoints+="${endpoints:+,}127.0.0.$j:$CLIENT_PORT"
  done
  [ -n "$endpoints" ] || die "no node is running"
  # shellcheck disable=SC1091  # written by client_tls_config
  [ ! -f "$RUN/tls.env" ] || . "$RUN/tls.env"
  # shellcheck disable=SC1091  # written by make_root_user
  [ ! -f "$RUN/auth.env" ] || . "$RUN/auth.env"
  "$ROOT/scripts/cairnctl" --endpoints "$endpoints" "$@"
}

start_node() {
  local i=$1
  if alive "$i"; then
    echo "node n$i already running (pid $(node_pid "$i"))"
    return
  fi
  # shellcheck disable=SC2086
  nohup java $JAVA_OPTS -cp "$(classpath)" io.cairn.node.Main --config "$RUN/n$i/node.properties" \
    >> "$RUN/n$i/node.log" 2>&1 < /dev/null &
  echo $! > "$RUN/n$i/pid"
  echo "started n$i (pid $!) on 127.0.0.$i; log: $RUN/n$i/node.log"
}

healthy() {
  curl -fsS -m 2 "http://127.0.0.$1:$HTTP_PORT/health" >/dev/null 2>&1
}

wait_healthy() {
  local n=$1 deadline=$((SECONDS + START_TIMEOUT_S)) i ok
  while :; do
    ok=1
    for i in $(seq 1 "$n"); do
      alive "$i" || die "node n$i exited during start-up; see $RUN/n$i/node.log: $(tail -5 "$RUN/n$i/node.log")"
      healthy "$i" || ok=0
    done
    [ "$ok" = 1 ] && { echo "cluster of $n nodes is up: every shard has a leader"; return; }
    [ $SECONDS -ge $deadline ] && die "cluster not healthy after ${START_TIMEOUT_S}s; see $RUN/n*/node.log"
    sleep 0.5
  done
}

stop_node() {
  local i=$1 pid deadline
  pid=$(node_pid "$i")
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$RUN/n$i/pid"; return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "node n$i did not stop within 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$RUN/n$i/pid"
  echo "stopped n$i"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    security=""
    case "${1:-}" in --auth|--tls|--insecure) security="${1#--}"; shift ;; esac
    n="${1:-3}"
    [[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 50 ] || die "start: node count must be 1..50, got '$n'"
    existing=$(node_count)
    if [ "$existing" != 0 ] && [ "$existing" != "$n" ]; then
      die "run dir $RUN holds a $existing-node cluster; 'scripts/cluster.sh wipe' first to start $n nodes"
    fi
    if [ "$existing" != 0 ]; then
      # A cluster keeps the security it was made with.
      made=insecure
      [ ! -f "$RUN/client-tls" ] || made=tls
      [ ! -f "$RUN/auth" ] || made=auth
      [ -z "$security" ] || [ "$security" = "$made" ] \
        || die "run dir $RUN holds a cluster made with --$made; 'scripts/cluster.sh wipe' first for --$security"
      security=$made
    fi
    case "${CAIRN_EXTRA_CONFIG:-}" in
      *peer-tls.insecure=true*)
        # The client port serves the member certificate: without one it can only be plaintext.
        [ -z "$security" ] || [ "$security" = insecure ] \
          || die "--$security needs the Raft port's certificates; CAIRN_EXTRA_CONFIG has peer-tls.insecure=true"
        security=insecure ;;
    esac
    security="${security:-auth}"
    tls=no auth=no
    [ "$security" = insecure ] || tls=yes
    [ "$security" != auth ] || auth=yes
    command -v java >/dev/null || die "java not found; install a JDK 17"
    command -v curl >/dev/null || die "curl not found; install curl"
    build_if_needed
    mkdir -p "$RUN"
    [ "$tls" = no ] || touch "$RUN/client-tls"
    [ "$auth" = no ] || touch "$RUN/auth"
    [ "$auth" = yes ] || keep_open_configs
    add_peer_ports
    echo "$n" > "$RUN/cluster.size"
    for i in $(seq 1 "$n"); do
      [ -f "$RUN/n$i/node.properties" ] || write_config "$i" "$n"
      start_node "$i"
    done
    wait_healthy "$n"
    make_root_user
    if [ -f "$RUN/auth.env" ]; then
      echo "auth is on: scripts/cairnctl logs in as user root by itself; other clients: source" \
        "$RUN/tls.env and $RUN/auth.env (docs/security.md)"
    elif [ -f "$RUN/tls.env" ]; then
      echo "the client port speaks mutual TLS: scripts/cairnctl uses $RUN/tls.env by itself"
    else
      echo "the client port is plaintext and open to every caller (--insecure)"
    fi
    ;;
  stop)
    for i in $(seq 1 "$(node_count)"); do stop_node "$i"; done
    ;;
  status)
    n=$(node_count)
    [ "$n" = 0 ] && { echo "no cluster in $RUN"; exit 0; }
    for i in $(seq 1 "$n"); do
      if alive "$i"; then
        echo "n$i pid $(node_pid "$i") up   $(curl -sS -m 2 "http://127.0.0.$i:$HTTP_PORT/health" 2>&1 || true)"
      else
        echo "n$i down"
      fi
    done
    ;;
  kill)
    i="${1:?kill needs a node number}"
    pid=$(node_pid "$i"); [ -n "$pid" ] || die "node n$i is not running"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN/n$i/pid"
    echo "killed n$i (pid $pid) with SIGKILL"
    ;;
  restart)
    i="${1:?restart needs a node number}"
    [ -f "$RUN/n$i/node.properties" ] || die "node n$i has no config in $RUN; start the cluster first"
    [ -f "$RUN/auth" ] || keep_open_configs
    add_peer_ports
    stop_node "$i"
    build_if_needed
    start_node "$i"
    ;;
  add)
    n=$(node_count)
    [ "$n" != 0 ] || die "no cluster in $RUN; 'scripts/cluster.sh start' first"
    i=$((n + 1))
    [ "$i" -le 50 ] || die "add: a local cluster has at most 50 nodes"
    via=""
    for j in $(seq 1 "$n"); do alive "$j" && { via=$j; break; }; done
    [ -n "$via" ] || die "add: no node is running to join through"
    build_if_needed
    [ -f "$RUN/n$i/node.properties" ] || write_join_config "$i" "$via"
    echo "$i" > "$RUN/cluster.size"
    start_node "$i"
    deadline=$((SECONDS + START_TIMEOUT_S))
    # Healthy once the rebalancer has moved replicas onto it and they have leaders.
    until healthy "$i"; do
      alive "$i" || die "node n$i exited; see $RUN/n$i/node.log: $(tail -5 "$RUN/n$i/node.log")"
      [ $SECONDS -ge $deadline ] && die "n$i joined but holds no replica with a leader after ${START_TIMEOUT_S}s; see 'scripts/cairnctl node list' and $RUN/n$i/node.log"
      sleep 0.5
    done
    echo "n$i joined and holds replicas; 'scripts/cairnctl node list' shows the placement"
    ;;
  remove)
    i="${1:?remove needs a node number}"
    [[ "$i" =~ ^[1-9][0-9]*$ ]] && [ "$i" -le "$(node_count)" ] || die "remove: no node n$i in $RUN"
    alive "$i" || die "remove: n$i is not running; start it, or remove a dead node with 'scripts/cairnctl node remove n$i --force'"
    ctl node drain "n$i" --wait --wait-ms "${CAIRN_DRAIN_TIMEOUT_MS:-600000}"
    ctl node remove "n$i"
    stop_node "$i"
    echo "n$i removed; its data stays in $RUN/n$i until 'scripts/cluster.sh wipe'"
    ;;
  wipe)
    for i in $(seq 1 "$(node_count)"); do stop_node "$i"; done
    rm -rf "$RUN"
    echo "wiped $RUN"
    ;;
  *)
    sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
