package io.cairn.tests.jepsen;

/**
 * A kill -9 of the node that led {@code shard} (by the routing read just before the kill), at
 * {@code killNanos} on the history's clock (System.nanoTime), by fault {@code cause}.
 */
public record LeaderKill(int shard, int node, long killNanos, Fault cause) {}
