#!/usr/bin/env bash
# Network lab for Cairn's fault tests: every node gets its own network namespace, so it has a real
# source address on the wire and firewall rules can cut node<->node links while clients (in the
# root namespace) still reach every node.
#
#   scripts/netns.sh up N     create the lab for N nodes (1..200); fails if a lab in use exists
#   scripts/netns.sh down     remove everything `up` creates; idempotent, also after a partial `up`
#   scripts/netns.sh status   print what of the lab exists (exit 0 if a bridge is up, 1 if none)
#   scripts/netns.sh reclaim  remove a lab whose owner has exited (exit 0); exit 1 if one is in use
#
# Ownership: `up` records its caller (pid and start time, so a reused pid does not count) in
# $OWNER_FILE. Namespaces are kernel objects and outlive the processes that made them: a run killed
# from outside (a session ending, kill -9, a timeout) leaves its lab behind, and the next run on the
# machine must not fail for it. A lab whose owner is gone is therefore leftovers: `up` and `reclaim`
# kill what still runs inside its namespaces (by PID) and remove it. A lab whose owner is alive
# belongs to another run and is never touched.
#
# Layout (the same as io.cairn.tests.nemesis.LabLayout, which the Java NetworkLab builds):
#
#   root namespace (clients)          bridge cairnbr0, 10.77.0.254/24
#     |-- veth cn<i>h (bridge port) <==> eth0 in namespace cairn-n<i>, 10.77.0.<i>/24,
#                                        lo up, default route via 10.77.0.254
#
# Why not loopback aliases: a socket to 127.0.0.3 leaves from 127.0.0.1 unless it binds its source,
# so loopback firewall rules cannot tell nodes apart, and cutting 127.0.0.1 cuts the clients too.
#
# With br_netfilter loaded (net.bridge.bridge-nf-call-iptables=1), bridged frames between nodes
# traverse the root namespace's FORWARD chain, where a DROP policy (e.g. Docker's) would silently
# cut the lab. `up` therefore inserts one ACCEPT rule for the bridge, tagged with the comment
# cairn-netns, and `down` removes exactly the rules carrying that tag.
#
# Needs root, iproute2 (ip) and, for the FORWARD rule, iptables. Sends no traffic anywhere.
set -euo pipefail

BRIDGE=cairnbr0
SUBNET_PREFIX=10.77.0
BRIDGE_ADDR="$SUBNET_PREFIX.254"
NS_PREFIX=cairn-n
FORWARD_TAG=cairn-netns
MAX_NODES=200
OWNER_FILE=/run/cairn-netns.owner

die() { echo "netns.sh: $*" >&2; exit 1; }

need_root_and_tools() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (creates namespaces, veth pairs and a bridge)"
  command -v ip >/dev/null || die "ip not found: apt-get install -y iproute2"
}

have_iptables() { command -v iptables >/dev/null; }

lab_namespaces() {
  # `ip netns list` prints "name" or "name (id: N)"; keep only our names.
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${NS_PREFIX}[0-9]+$" || true
}

lab_host_links() {
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^cn[0-9]+h$' || true
}

bridge_exists() { ip link show "$BRIDGE" >/dev/null 2>&1; }

lab_exists() { bridge_exists || [ -n "$(lab_namespaces)" ] || [ -n "$(lab_host_links)" ]; }

# Field 22 of /proc/PID/stat is the process's start time (clock ticks since boot). The command
# name (field 2) may hold spaces, so fields are counted after its closing parenthesis.
start_time_of() { local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; echo "${stat##*) }" | awk '{print $20}'; }

record_owner() {
  local pid="$1" start
  start=$(start_time_of "$pid") || start=unknown
  echo "$pid $start" >"$OWNER_FILE"
}

# Prints the owner's pid and returns 0 if the process that made the lab is still running.
owner_alive() {
  local pid start now
  [ -r "$OWNER_FILE" ] || return 1
  read -r pid start <"$OWNER_FILE" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  now=$(start_time_of "$pid") || return 1
  [ "$now" = "$start" ] || return 1
  echo "$pid"
}

# Removes a lab whose owner is gone: first what still runs inside its namespaces, then the lab.
remove_leftovers() {
  local ns pid
  echo "netns.sh: removing the leftovers of a lab whose owner has exited" >&2
  for ns in $(lab_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -9 "$pid" 2>/dev/null || true
    done
  done
  cmd_down >/dev/null
}

# Exit 0 when no lab is left (none was there, or leftovers were removed); 1 if one is in use.
cmd_reclaim() {
  need_root_and_tools
  lab_exists || return 0
  local owner
  if owner=$(owner_alive); then
    echo "netns.sh: the lab is in use by pid $owner; run 'scripts/netns.sh down' only if that run is finished" >&2
    return 1
  fi
  remove_leftovers
}

forward_rule=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FORWARD_TAG" -j ACCEPT)

cmd_up() {
  local n="${1:-}"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$MAX_NODES" ] \
    || die "up: node count must be 1..$MAX_NODES, got '${n}'"
  need_root_and_tools
  cmd_reclaim || die "up: a lab in use already exists"
  # A failure half-way leaves a partial lab: remove it so the caller sees a clean machine.
  trap 'echo "netns.sh: up failed; removing the partial lab" >&2; cmd_down >/dev/null 2>&1 || true' ERR

  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local i ns
  for ((i = 1; i <= n; i++)); do
    ns="$NS_PREFIX$i"
    ip netns add "$ns"
    ip link add "cn${i}h" type veth peer name eth0 netns "$ns"
    ip link set "cn${i}h" master "$BRIDGE"
    ip link set "cn${i}h" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$SUBNET_PREFIX.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$BRIDGE_ADDR"
  done
  if have_iptables; then
    iptables -w 5 -C "${forward_rule[@]}" 2>/dev/null || iptables -w 5 -I "${forward_rule[@]}"
  else
    echo "netns.sh: iptables not found; relying on the FORWARD policy for bridged traffic" >&2
  fi
  # The caller owns the lab (a ChaosRun JVM, or the shell of someone running this by hand).
  record_owner "$PPID"
  trap - ERR
  echo "lab up: $n nodes on $BRIDGE ($BRIDGE_ADDR), namespaces ${NS_PREFIX}1..${NS_PREFIX}$n"
}

cmd_down() {
  need_root_and_tools
  local ns link
  # Deleting a namespace deletes its end of the veth pair, which deletes the host end too; the
  # explicit link loop covers host ends whose namespace was never created or already gone.
  for ns in $(lab_namespaces); do
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(lab_host_links); do
    ip link del "$link" 2>/dev/null || true
  done
  if bridge_exists; then ip link del "$BRIDGE"; fi
  if have_iptables; then
    while iptables -w 5 -C "${forward_rule[@]}" 2>/dev/null; do
      iptables -w 5 -D "${forward_rule[@]}"
    done
  fi
  rm -f "$OWNER_FILE"
  echo "lab down"
}

cmd_status() {
  local found=1
  if bridge_exists; then
    found=0
    echo "bridge: $BRIDGE $(ip -o -4 addr show dev "$BRIDGE" | awk '{print $4}')"
  else
    echo "bridge: none"
  fi
  local ns
  for ns in $(lab_namespaces); do
    echo "namespace: $ns $(ip -n "$ns" -o -4 addr show dev eth0 2>/dev/null | awk '{print $4}')"
  done
  local links; links=$(lab_host_links | tr '\n' ' ')
  echo "host links: ${links:-none}"
  if have_iptables && iptables -w 5 -C "${forward_rule[@]}" 2>/dev/null; then
    echo "forward rule: present"
  else
    echo "forward rule: none"
  fi
  return "$found"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reclaim) cmd_reclaim ;;
  *) die "usage: netns.sh up N | down | status | reclaim" ;;
esac
