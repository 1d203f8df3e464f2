/**
 * The deterministic core of Cairn's Raft groups, free of Ratis, gRPC, sockets and clocks.
 *
 * <ul>
 *   <li>{@link io.cairn.statemachine.ShardCore}: a data shard's apply logic (versions,
 *       compare-and-set, exactly-once client sessions) and its snapshot format.
 *   <li>{@link io.cairn.statemachine.MetaCore}: the meta group's state, the shard map.
 *   <li>{@link io.cairn.statemachine.KvStore}: the storage under a shard, with {@link
 *       io.cairn.statemachine.MapDbKvStore} for nodes and {@link
 *       io.cairn.statemachine.InMemoryKvStore} as the model tests compare it with.
 *   <li>{@link io.cairn.statemachine.ShardPlacement}: the initial shard map of a cluster.
 *   <li>{@link io.cairn.statemachine.RequestLimits}: checks a node runs before proposing.
 * </ul>
 *
 * <p>Everything a core computes follows from its state and the log entry alone, so every replica
 * that applies the same entries holds the same state. The raft-node module adapts these classes to
 * Ratis: it decodes entries, calls the core on the group's apply thread, encodes the results and
 * stores the snapshots.
 */
package io.cairn.statemachine;
