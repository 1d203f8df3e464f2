package io.cairn.cli.bench;

import io.cairn.proto.Consistency;

/** The read levels as cairnctl spells them (case-insensitive on the command line). */
public enum ReadConsistency {
  LINEARIZABLE(Consistency.LINEARIZABLE),
  SESSION(Consistency.SESSION),
  EVENTUAL(Consistency.EVENTUAL);

  private final Consistency proto;

  ReadConsistency(Consistency proto) {
    this.proto = proto;
  }

  public Consistency proto() {
    return proto;
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
