package io.cairn.statemachine;

/** Receives the entries of a {@link KvStore} during {@link KvStore#forEachInKeyOrder}. */
@FunctionalInterface
public interface EntryVisitor {
  void visit(byte[] key, byte[] value, long version);
}
