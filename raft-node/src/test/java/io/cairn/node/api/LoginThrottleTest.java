package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final LoginThrottle throttle = new LoginThrottle(nanos::get);

  private static InetAddress address(String a) throws Exception {
    return InetAddress.getByName(a);
  }

  private void fail(InetAddress from, int times) {
    for (int i = 0; i < times; i++) {
      throttle.admit(from).release(true);
    }
  }

  @Test
  void anAddressGetsABurstOfFailuresThenOneEveryRefill() throws Exception {
    InetAddress guesser = address("10.0.0.7");
    fail(guesser, LoginThrottle.FAILURES_BURST);

    assertThatThrownBy(() -> throttle.admit(guesser))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .contains("too many failed logins from 10.0.0.7")
                  .contains("retry in 2000 ms");
            });

    nanos.addAndGet(LoginThrottle.FAILURE_REFILL.toNanos());
    fail(guesser, 1);
    assertThatThrownBy(() -> throttle.admit(guesser)).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void successfulLoginsCostNothingAndOtherAddressesAreUnaffected() throws Exception {
    InetAddress app = address("10.0.0.8");
    for (int i = 0; i < 10 * LoginThrottle.FAILURES_BURST; i++) {
      throttle.admit(app).release(false);
    }
    fail(address("10.0.0.9"), LoginThrottle.FAILURES_BURST);

    throttle.admit(app).release(false);
    assertThatThrownBy(() -> throttle.admit(address("10.0.0.9")))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void anAddressHoldsAtMostSoManyChecksAtOnce() throws Exception {
    InetAddress from = address("10.0.0.10");
    List<LoginThrottle.Permit> held = new ArrayList<>();
    for (int i = 0; i < LoginThrottle.IN_FLIGHT_MAX; i++) {
      held.add(throttle.admit(from));
    }
    assertThatThrownBy(() -> throttle.admit(from)).hasMessageContaining("already being checked");

    held.get(0).release(false);
    held.get(0).release(true); // a second release changes nothing
    held.set(0, throttle.admit(from));
    assertThatThrownBy(() -> throttle.admit(from)).isInstanceOf(StatusRuntimeException.class);
    held.forEach(p -> p.release(false));
    throttle.admit(address("10.0.0.10")).release(false);
  }

  @Test
  void aCallWithoutANetworkAddressIsNotThrottled() {
    for (int i = 0; i < 3 * LoginThrottle.FAILURES_BURST; i++) {
      throttle.admit(null).release(true);
    }
  }
}
