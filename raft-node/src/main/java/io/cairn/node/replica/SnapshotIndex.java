package io.cairn.node.replica;

import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachine;

/** The index of a state machine's latest snapshot, or -1. */
public final class SnapshotIndex {
  private SnapshotIndex() {}

  public static long of(StateMachine sm) {
    SnapshotInfo s = sm.getLatestSnapshot();
    return s == null ? -1 : s.getIndex();
  }
}
