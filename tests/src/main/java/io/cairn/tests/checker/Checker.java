package io.cairn.tests.checker;

import io.cairn.tests.history.History;

/** Judges one property of a complete history. Implementations are stateless and thread-safe. */
public interface Checker {

  CheckResult check(History history);
}
