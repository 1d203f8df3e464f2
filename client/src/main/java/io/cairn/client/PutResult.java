package io.cairn.client;

/**
 * A successful put: {@code version} is the key's new version (its shard's log index of the write).
 */
public record PutResult(long version) {}
