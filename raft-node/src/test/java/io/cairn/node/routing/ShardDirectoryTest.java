package io.cairn.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ShardDirectoryTest {
  private static ShardMap map(long epoch, boolean secondFilling) {
    return ShardMap.newBuilder()
        .setEpoch(epoch)
        .setVirtualNodesPerShard(16)
        .addShards(ShardInfo.newBuilder().setShardId(1).setGroupId(UUID.randomUUID().toString()))
        .addShards(
            ShardInfo.newBuilder()
                .setShardId(2)
                .setGroupId(UUID.randomUUID().toString())
                .setFilling(secondFilling))
        .build();
  }

  @Test
  void aWaiterForANewerMapCompletesWhenOneIsAdoptedAndNotBefore() {
    ShardDirectory directory = new ShardDirectory(map(5, true));
    CompletableFuture<ShardMap> newer = directory.newerThan(5);
    assertThat(newer).isNotDone();
    directory.adopt(map(4, true));
    assertThat(newer).isNotDone();
    ShardMap six = map(6, false);
    directory.adopt(six);
    assertThat(newer).isCompletedWithValue(six);
    assertThat(directory.newerThan(5)).isCompletedWithValue(six);
  }

  @Test
  void aFillingShardGetsNoKeysUntilItServes() {
    ShardDirectory directory = new ShardDirectory(map(5, true));
    for (int i = 0; i < 200; i++) {
      assertThat(directory.route(("k" + i).getBytes()).shardId()).isEqualTo(1);
    }
    directory.adopt(map(6, false));
    long onTwo =
        java.util.stream.IntStream.range(0, 200)
            .filter(i -> directory.route(("k" + i).getBytes()).shardId() == 2)
            .count();
    assertThat(onTwo).isBetween(40L, 160L);
  }
}
