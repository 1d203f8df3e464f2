package io.cairn.tests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.tests.bench.etcd.DeleteRangeRequest;
import io.cairn.tests.bench.etcd.DeleteRangeResponse;
import io.cairn.tests.bench.etcd.KVGrpc;
import io.cairn.tests.bench.etcd.KeyValue;
import io.cairn.tests.bench.etcd.PutRequest;
import io.cairn.tests.bench.etcd.PutResponse;
import io.cairn.tests.bench.etcd.RangeRequest;
import io.cairn.tests.bench.etcd.RangeResponse;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

class EtcdYcsbClientTest {
  /**
   * The etcd calls a member served, as the member saw them; the store is shared by "the cluster".
   */
  private static final class FakeMember extends KVGrpc.KVImplBase {
    final Map<ByteString, ByteString> store;
    final List<Object> calls = new ArrayList<>();

    FakeMember(Map<ByteString, ByteString> store) {
      this.store = store;
    }

    @Override
    public synchronized void range(RangeRequest r, StreamObserver<RangeResponse> out) {
      calls.add(r);
      RangeResponse.Builder b = RangeResponse.newBuilder();
      ByteString v = store.get(r.getKey());
      if (v != null) {
        b.addKvs(KeyValue.newBuilder().setKey(r.getKey()).setValue(v)).setCount(1);
      }
      out.onNext(b.build());
      out.onCompleted();
    }

    @Override
    public synchronized void put(PutRequest r, StreamObserver<PutResponse> out) {
      calls.add(r);
      store.put(r.getKey(), r.getValue());
      out.onNext(PutResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public synchronized void deleteRange(
        DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
      calls.add(r);
      boolean existed = store.remove(r.getKey()) != null;
      out.onNext(DeleteRangeResponse.newBuilder().setDeleted(existed ? 1 : 0).build());
      out.onCompleted();
    }
  }

  private final Map<ByteString, ByteString> store = new ConcurrentHashMap<>();
  private final List<FakeMember> members = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final EtcdYcsbClient.SharedChannels channels =
      new EtcdYcsbClient.SharedChannels(
          name -> InProcessChannelBuilder.forName(name).directExecutor().build());

  @BeforeEach
  void startMembers() throws Exception {
    for (int i = 0; i < 2; i++) {
      FakeMember m = new FakeMember(store);
      members.add(m);
      servers.add(
          InProcessServerBuilder.forName("etcd-" + i)
              .directExecutor()
              .addService(m)
              .build()
              .start());
    }
  }

  @AfterEach
  void stopMembers() {
    servers.forEach(Server::shutdownNow);
  }

  private EtcdYcsbClient client(String... props) throws DBException {
    Properties p = new Properties();
    p.setProperty("etcd.endpoints", "etcd-0,etcd-1");
    p.setProperty("fieldcount", "1");
    for (int i = 0; i < props.length; i += 2) {
      p.setProperty(props[i], props[i + 1]);
    }
    EtcdYcsbClient c = new EtcdYcsbClient(channels);
    c.setProperties(p);
    c.init();
    return c;
  }

  private static Map<String, ByteIterator> record(String value) {
    Map<String, ByteIterator> r = new HashMap<>();
    r.put("field0", new StringByteIterator(value));
    return r;
  }

  @Test
  void aRecordWrittenIsReadBackWithItsFields() throws Exception {
    EtcdYcsbClient c = client();
    assertThat(c.insert("usertable", "user1", record("first"))).isEqualTo(Status.OK);
    assertThat(c.update("usertable", "user1", record("second"))).isEqualTo(Status.OK);

    Map<String, ByteIterator> read = new HashMap<>();
    assertThat(c.read("usertable", "user1", null, read)).isEqualTo(Status.OK);

    assertThat(read).containsOnlyKeys("field0");
    assertThat(read.get("field0").toString()).isEqualTo("second");
    assertThat(store).containsKey(ByteString.copyFromUtf8("usertable/user1"));
  }

  @Test
  void aMissingRecordIsNotFoundForReadsAndDeletes() throws Exception {
    EtcdYcsbClient c = client();
    assertThat(c.read("usertable", "nobody", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
    assertThat(c.delete("usertable", "nobody")).isEqualTo(Status.NOT_FOUND);

    c.insert("usertable", "user2", record("v"));
    assertThat(c.delete("usertable", "user2")).isEqualTo(Status.OK);
    assertThat(c.read("usertable", "user2", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void readsAreLinearizableUnlessSerializableIsAskedFor() throws Exception {
    client().read("usertable", "k", null, new HashMap<>());
    client("etcd.read-consistency", "serializable").read("usertable", "k", null, new HashMap<>());

    List<Boolean> serializable = new ArrayList<>();
    members.forEach(
        m ->
            m.calls.stream()
                .filter(RangeRequest.class::isInstance)
                .forEach(r -> serializable.add(((RangeRequest) r).getSerializable())));
    assertThat(serializable).containsExactlyInAnyOrder(false, true);
  }

  @Test
  void eachThreadTalksToTheNextMemberInTurn() throws Exception {
    for (int i = 0; i < 4; i++) {
      client().insert("usertable", "t" + i, record("v"));
    }
    assertThat(members.get(0).calls).hasSize(2);
    assertThat(members.get(1).calls).hasSize(2);
  }

  @Test
  void aValueThatIsNotARecordIsAnUnexpectedStateNotACrash() throws Exception {
    store.put(
        ByteString.copyFromUtf8("usertable/raw"),
        ByteString.copyFrom(new byte[] {0, 5}, 0, 2)); // a name length and no name
    assertThat(client().read("usertable", "raw", null, new HashMap<>()))
        .isEqualTo(Status.UNEXPECTED_STATE);
  }

  @Test
  void aMemberThatIsDownIsUnavailable() throws Exception {
    EtcdYcsbClient c = client("etcd.request-timeout-ms", "2000");
    servers.forEach(Server::shutdownNow);
    assertThat(c.insert("usertable", "k", record("v"))).isEqualTo(Status.SERVICE_UNAVAILABLE);
  }

  @Test
  void badPropertiesAreRefusedAtInitWithWhatToChange() {
    assertThatThrownBy(() -> client("etcd.read-consistency", "eventual"))
        .isInstanceOf(DBException.class)
        .hasMessageContaining("linearizable or serializable");
    assertThatThrownBy(() -> client("fieldcount", "10"))
        .isInstanceOf(DBException.class)
        .hasMessageContaining("fieldcount=1 or writeallfields=true");
    assertThatThrownBy(() -> client("etcd.request-timeout-ms", "soon"))
        .isInstanceOf(DBException.class)
        .hasMessageContaining("must be numbers");
    assertThatThrownBy(() -> client("etcd.request-timeout-ms", "0"))
        .isInstanceOf(DBException.class)
        .hasMessageContaining("must be positive");
  }

  @Test
  void allFieldsWrittenAtOnceMayBeMoreThanOne() throws Exception {
    EtcdYcsbClient c = client("fieldcount", "2", "writeallfields", "true");
    Map<String, ByteIterator> two = record("a");
    two.put("field1", new StringByteIterator("b"));
    c.insert("usertable", "wide", two);

    Map<String, ByteIterator> read = new HashMap<>();
    c.read("usertable", "wide", null, read);
    assertThat(read).containsOnlyKeys("field0", "field1");
    assertThat(new String(read.get("field1").toArray(), StandardCharsets.UTF_8)).isEqualTo("b");
  }
}
