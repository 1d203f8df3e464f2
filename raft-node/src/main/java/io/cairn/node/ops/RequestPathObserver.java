package io.cairn.node.ops;

/** What the request path reports for metrics; {@link NodeMetrics} implements it. */
public interface RequestPathObserver {
  /** A log entry of {@code commands} commands was proposed. */
  void batch(int commands);

  /** A proposed entry came back applied after {@code nanos}. */
  void entryCommitted(long nanos);

  /** A leadership confirmation round ended after {@code nanos}; {@code reads} waited for it. */
  void confirmationRound(long nanos, int reads, boolean confirmed);

  /** A LINEARIZABLE read served under the leader's read lease, without a round of its own. */
  default void leaseRead() {}

  RequestPathObserver NONE =
      new RequestPathObserver() {
        @Override
        public void batch(int commands) {}

        @Override
        public void entryCommitted(long nanos) {}

        @Override
        public void confirmationRound(long nanos, int reads, boolean confirmed) {}
      };
}
