package io.cairn.client;

/** What an answered or failed attempt taught the client about where shards are led. */
interface RoutingFeedback {
  RoutingFeedback NONE =
      new RoutingFeedback() {
        @Override
        public void answered(Target target, String leaderHint) {}

        @Override
        public void failed(Target target, String leaderHint, CairnException error) {}
      };

  /** The attempt succeeded; {@code leaderHint} is the {@code cairn-leader} header or null. */
  void answered(Target target, String leaderHint);

  /**
   * The attempt failed with {@code error}; {@code leaderHint} from the header or the error detail,
   * or null.
   */
  void failed(Target target, String leaderHint, CairnException error);
}
