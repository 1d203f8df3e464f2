package io.cairn.tests.checker;

/**
 * The sequential specification of one key: what each operation does to a {@link RegisterState} and
 * which states it may observe. Pure and deterministic. An operation that changes nothing (an
 * observation that binds no version) returns the very state it was given.
 */
final class RegisterModel {

  private RegisterModel() {}

  /** The state after {@code op} is linearized in {@code state}, or null if it cannot be. */
  static RegisterState step(RegisterState state, KeyObligation op) {
    return switch (op.step()) {
      case PUT -> put(state, op);
      case DELETE -> delete(state, op);
      case READ -> read(state, op);
      case MISMATCH -> mismatch(state, op);
    };
  }

  private static RegisterState put(RegisterState state, KeyObligation op) {
    RegisterState before = state.satisfying(op.expectedVersion());
    if (before == null) {
      return null;
    }
    if (op.version() == KeyObligation.UNKNOWN) {
      return new RegisterState(op.value(), KeyObligation.UNKNOWN, before.floor());
    }
    return op.version() > before.floor()
        ? new RegisterState(op.value(), op.version(), op.version())
        : null;
  }

  private static RegisterState delete(RegisterState state, KeyObligation op) {
    RegisterState before = state.satisfying(op.expectedVersion());
    if (before == null || op.existed() != null && op.existed() != before.present()) {
      return null;
    }
    if (op.version() == KeyObligation.UNKNOWN) {
      return RegisterState.absent(before.floor());
    }
    return op.version() > before.floor() ? RegisterState.absent(op.version()) : null;
  }

  private static RegisterState read(RegisterState state, KeyObligation op) {
    if (!op.existed()) {
      return state.present() ? null : state;
    }
    if (!state.holds(op.value())) {
      return null;
    }
    return state.withVersion(op.version());
  }

  /**
   * A refused compare-and-set saw the key at {@code op.version()} and that differed from its
   * expectation.
   */
  private static RegisterState mismatch(RegisterState state, KeyObligation op) {
    if (op.existed() != state.present()) {
      return null;
    }
    if (!state.present()) {
      return op.expectedVersion() != 0 ? state : null;
    }
    RegisterState seen = state.withVersion(op.version());
    return seen != null && op.expectedVersion() != op.version() ? seen : null;
  }
}
