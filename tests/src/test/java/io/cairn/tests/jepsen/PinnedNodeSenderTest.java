package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.SessionToken;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.ReadConsistency;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A process pinned to one node keeps a client session by hand: its SESSION reads carry the largest
 * index the node's answers showed for the key's shard, or the session checker would convict the
 * store of the harness's forgetting (a lagging replica may answer a SESSION read with min_index 0
 * from before the process's own write).
 */
class PinnedNodeSenderTest {

  /** Answers puts at growing indexes of the key's shard ("a*" keys: shard 1, others: 2). */
  private static final class FakeNode extends KvGrpc.KvImplBase {
    final List<GetRequest> gets = new CopyOnWriteArrayList<>();
    private long index = 40;

    @Override
    public synchronized void put(PutRequest req, StreamObserver<PutResponse> out) {
      index++;
      out.onNext(
          PutResponse.newBuilder()
              .setVersion(index)
              .setToken(token(req.getKey().toStringUtf8(), index))
              .build());
      out.onCompleted();
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> out) {
      gets.add(req);
      out.onNext(GetResponse.newBuilder().setToken(token(req.getKey().toStringUtf8(), 7)).build());
      out.onCompleted();
    }

    private static SessionToken token(String key, long index) {
      return SessionToken.newBuilder()
          .setShardId(key.startsWith("a") ? 1 : 2)
          .setIndex(index)
          .build();
    }
  }

  private final FakeNode node = new FakeNode();
  private Server server;
  private PinnedNodeSender sender;

  @BeforeEach
  void start() throws Exception {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(node)
            .build()
            .start();
    sender = new PinnedNodeSender("127.0.0.1", server.getPort(), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    sender.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void sessionReadsCarryTheLargestIndexSeenOfTheKeysShard() throws Exception {
    assertThat(send(Op.put("a1", "v1"))).isEqualTo(new OpResult.PutResult(41));
    send(Op.put("b1", "v2"));
    send(Op.put("a2", "v3"));

    send(Op.get("a1", ReadConsistency.SESSION));
    send(Op.get("b1", ReadConsistency.SESSION));
    send(Op.get("a9", ReadConsistency.SESSION));
    send(Op.get("a1", ReadConsistency.LINEARIZABLE));

    assertThat(node.gets)
        .extracting(GetRequest::getMinIndex)
        .as("a1: shard 1 at 43 (a2's put); b1: shard 2 at 42; a9: never answered, so 0")
        .containsExactly(43L, 42L, 0L, 0L);
    // A read's token (applied index 7) never lowers the floor.
    assertThat(sender.sessionIndex("a1")).isEqualTo(43);
  }

  private OpResult send(Op op) throws Exception {
    return sender.send(op).get(5, TimeUnit.SECONDS);
  }
}
