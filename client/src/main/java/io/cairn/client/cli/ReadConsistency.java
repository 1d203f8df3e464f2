package io.cairn.client.cli;

import io.cairn.proto.Consistency;

/** The read levels as cairnctl spells them (case-insensitive on the command line). */
enum ReadConsistency {
  LINEARIZABLE(Consistency.LINEARIZABLE),
  SESSION(Consistency.SESSION),
  EVENTUAL(Consistency.EVENTUAL);

  private final Consistency proto;

  ReadConsistency(Consistency proto) {
    this.proto = proto;
  }

  Consistency proto() {
    return proto;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
