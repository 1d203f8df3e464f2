package io.cairn.node.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes every {@code await()} look at its condition at once. Awaitility otherwise waits one poll
 * interval (100 ms by default, or the one a test sets) before the first look, so a helper that
 * retries a call through {@code await()} paid 50 ms per call even when the call succeeded: reading
 * back a few hundred acknowledged keys cost the membership tests most of their minute. Registered
 * for every test class by JUnit's extension autodetection (junit-platform.properties).
 */
public final class FirstPollAtOnce implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultPollDelay(Duration.ZERO);
  }
}
