package io.cairn.node.runtime;

/**
 * What a node does when it must not go on: in production it logs and ends the process, for a
 * supervisor to restart it ({@link #HALT_EXIT_CODE}); a test fixture records the reason and stops
 * that node only.
 */
@FunctionalInterface
public interface FatalErrors {
  /**
   * The exit code of a node that stopped itself (EX_IOERR from sysexits.h: most causes are I/O).
   */
  int HALT_EXIT_CODE = 74;

  /** Stops the node. {@code reason} says what happened and what the operator should do. */
  void halt(String reason, Throwable cause);
}
