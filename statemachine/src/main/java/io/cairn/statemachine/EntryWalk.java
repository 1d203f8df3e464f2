package io.cairn.statemachine;

/** Visits the entries of one page of a walk ({@link KvStore#forEachAfter}); false stops it. */
@FunctionalInterface
public interface EntryWalk {
  /** Visits one entry; returns whether the walk goes on to the next. */
  boolean visit(byte[] key, byte[] value, long version);
}
