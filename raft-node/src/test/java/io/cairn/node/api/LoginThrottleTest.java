package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.Inet4Address;
import java.net.Inet6Address;
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

  private static void assertRefused(Runnable admit, String... fragments) {
    assertThatThrownBy(admit::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).contains(fragments);
            });
  }

  @Test
  void anAddressGetsABurstOfFailuresThenOneEveryRefill() throws Exception {
    InetAddress guesser = address("10.0.0.7");
    fail(guesser, LoginThrottle.BURST);

    assertRefused(() -> throttle.admit(guesser), "from 10.0.0.7", "retry in 2000 ms");

    nanos.addAndGet(LoginThrottle.REFILL.toNanos());
    fail(guesser, 1);
    assertRefused(() -> throttle.admit(guesser), "retry in 2000 ms");
  }

  @Test
  void guessesSentAllAtOnceAreLimitedLikeGuessesInTurn() throws Exception {
    InetAddress guesser = address("10.0.0.11");
    List<LoginThrottle.Permit> inFlight = new ArrayList<>();
    for (int i = 0; i < LoginThrottle.BURST; i++) {
      inFlight.add(throttle.admit(guesser));
    }
    assertRefused(() -> throttle.admit(guesser), "failing or in flight");
    inFlight.forEach(p -> p.release(true));

    // A refill later, one more guess, and only one, even sent together with others.
    nanos.addAndGet(LoginThrottle.REFILL.toNanos());
    LoginThrottle.Permit one = throttle.admit(guesser);
    assertRefused(() -> throttle.admit(guesser), "failing or in flight");
    one.release(true);
  }

  @Test
  void successfulLoginsGiveTheirTokenBackAndOtherAddressesAreUnaffected() throws Exception {
    InetAddress app = address("10.0.0.8");
    for (int i = 0; i < 10 * LoginThrottle.BURST; i++) {
      throttle.admit(app).release(false);
    }
    InetAddress guesser = address("10.0.0.9");
    fail(guesser, LoginThrottle.BURST);

    throttle.admit(app).release(false);
    assertRefused(() -> throttle.admit(guesser), "from 10.0.0.9");
  }

  @Test
  void aPermitReleasedTwiceCountsOnce() throws Exception {
    InetAddress from = address("10.0.0.10");
    LoginThrottle.Permit p = throttle.admit(from);
    p.release(false);
    p.release(false);
    fail(from, LoginThrottle.BURST);
    assertRefused(() -> throttle.admit(from), "from 10.0.0.10");
  }

  @Test
  void ipv6CallersAreCountedPerSlash64AndMappedIpv4PerAddress() throws Exception {
    fail(address("2001:db8:1:2::1"), LoginThrottle.BURST);
    InetAddress sameSlash64 = address("2001:db8:1:2:ffff::9");
    assertRefused(() -> throttle.admit(sameSlash64), "2001:db8:1:2:0:0:0:0/64");
    throttle.admit(address("2001:db8:1:3::1")).release(false);

    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 10;
    mapped[15] = 12;
    InetAddress v6mapped = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(LoginThrottle.keyOf(v6mapped)).isInstanceOf(Inet4Address.class);
    assertThat(LoginThrottle.keyOf(v6mapped).getHostAddress()).isEqualTo("10.0.0.12");
  }

  @Test
  void aCallWithoutANetworkAddressIsNotThrottled() {
    for (int i = 0; i < 3 * LoginThrottle.BURST; i++) {
      throttle.admit(null).release(true);
    }
  }
}
