package io.cairn.statemachine;

/**
 * A stored value and its version: the Raft log index of the entry that last wrote the key.
 *
 * <p>The array is the caller's own copy; stores never hand out an array they keep using. Being a
 * record over an array, {@code equals} compares array identity, not content.
 */
public record Versioned(byte[] value, long version) {}
