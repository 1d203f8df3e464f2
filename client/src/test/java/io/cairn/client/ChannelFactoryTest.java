package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

class ChannelFactoryTest {
  @Test
  void channelsLeaveRetriesToTheClientsOwnRetrier() throws Exception {
    ManagedChannel channel =
        ChannelFactory.plaintext()
            .open(
                new Endpoint("127.0.0.1", 1),
                ClientConfig.builder().endpoints("127.0.0.1:1").build());
    try {
      assertThat(grpcRetryEnabled(channel)).isFalse();
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * gRPC has no getter for this: the built channel wraps a {@code ManagedChannelImpl} whose {@code
   * retryEnabled} field holds the builder's choice. If a gRPC upgrade moves it, find where {@code
   * NettyChannelBuilder.disableRetry()} now lands and read that instead.
   */
  private static boolean grpcRetryEnabled(ManagedChannel channel)
      throws ReflectiveOperationException {
    Object current = channel;
    for (int depth = 0; depth < 5; depth++) {
      Field retry = findField(current.getClass(), "retryEnabled");
      if (retry != null) {
        retry.setAccessible(true);
        return retry.getBoolean(current);
      }
      Field delegate = findField(current.getClass(), "delegate");
      if (delegate == null) {
        break;
      }
      delegate.setAccessible(true);
      current = delegate.get(current);
    }
    throw new AssertionError("no retryEnabled field under " + channel.getClass().getName());
  }

  private static Field findField(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getName().equals(name)) {
          return f;
        }
      }
    }
    return null;
  }
}
