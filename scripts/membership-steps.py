#!/usr/bin/env python3
"""Counts the replica changes of each step of growing and shrinking a local cluster.

  python3 scripts/membership-steps.py

Starts a local 3-node cluster (scripts/cluster.sh, in CAIRN_RUN_DIR, default /tmp/cairn-steps),
grows it to 4 and 5 nodes (`cluster.sh add`), shrinks it back to 3 (`cluster.sh remove 1`, then
`remove 2`), waits after each step until no move is left and the map has not changed for 10 s,
runs `cairnctl verify`, and prints the replicas added and removed per step, read from the maps
before and after, with each node's replica count. Compare them with the ideal by hand
(docs/operations.md, "Moves per step"). Wipes the cluster at the end; exits 1 if a step or a
verify failed.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, CAIRN_RUN_DIR=os.environ.get("CAIRN_RUN_DIR", "/tmp/cairn-steps"))


def run(*args):
    return subprocess.run(list(args), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)


def current_map():
    for _ in range(30):
        r = run("scripts/cairnctl", "map", "-o", "json")
        if r.returncode == 0:
            return json.loads(r.stdout)["map"]
        time.sleep(1)
    sys.exit("cairnctl map kept failing: " + r.stderr)


def settled_map():
    """The map once no move is in progress and its epoch has not changed for five polls."""
    last, stable = None, 0
    for _ in range(300):
        m = current_map()
        moving = m["meta"].get("move") or any(s.get("move") for s in m["shards"])
        if not moving and m["epoch"] == last:
            stable += 1
            if stable >= 5:
                return m
        else:
            stable = 0
        last = m["epoch"]
        time.sleep(2)
    sys.exit("the map did not settle within 10 minutes")


def placement(m):
    groups = {"meta": set(m["meta"]["replicas"])}
    for s in m["shards"]:
        groups["shard %s" % s["shard_id"]] = set(s["replicas"])
    return groups


def report(step, seconds, before, after):
    b, a = placement(before), placement(after)
    added = sum(len(a[g] - b.get(g, set())) for g in a)
    removed = sum(len(b[g] - a.get(g, set())) for g in b)
    per_node = {}
    for replicas in a.values():
        for n in replicas:
            per_node[n] = per_node.get(n, 0) + 1
    print("%-10s %4d s  replicas added %d, removed %d; epoch %d -> %d; per node %s" % (
        step, seconds, added, removed, int(before["epoch"]), int(after["epoch"]),
        " ".join("%s=%d" % kv for kv in sorted(per_node.items()))), flush=True)


def main():
    failed = False
    try:
        r = run("scripts/cluster.sh", "start")
        if r.returncode != 0:
            sys.exit("start failed: " + r.stdout[-500:] + r.stderr[-500:])
        before = settled_map()
        report("start", 0, before, before)
        steps = [("add n4", ["add"]), ("add n5", ["add"]),
                 ("remove n1", ["remove", "1"]), ("remove n2", ["remove", "2"])]
        for name, args in steps:
            began = time.time()
            r = run("scripts/cluster.sh", *args)
            if r.returncode != 0:
                print("%s failed: %s %s" % (name, r.stdout[-300:], r.stderr[-300:]))
                failed = True
                break
            after = settled_map()
            report(name, time.time() - began, before, after)
            v = run("scripts/cairnctl", "verify")
            if v.returncode != 0:
                print("verify after %s failed:\n%s%s" % (name, v.stdout, v.stderr))
                failed = True
            before = after
        print(run("scripts/cairnctl", "node", "list").stdout)
    finally:
        run("scripts/cluster.sh", "wipe")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
