package io.cairn.node.config;

/** A configuration that cannot start a node; the message names the key and what to change. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
