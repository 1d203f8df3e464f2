package io.cairn.client;

/** A successful delete: whether the key existed, and the shard's log index of the delete. */
public record DeleteResult(boolean existed, long index) {}
