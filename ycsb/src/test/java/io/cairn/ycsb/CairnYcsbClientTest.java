package io.cairn.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.client.FakeCluster;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

class CairnYcsbClientTest {
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);
  private CairnYcsbClient db;

  @BeforeEach
  void setUp() throws DBException {
    db = clientWith(new Properties());
  }

  @AfterEach
  void tearDown() {
    db.cleanup();
    cluster.close();
  }

  private CairnYcsbClient clientWith(Properties p) throws DBException {
    p.putIfAbsent("fieldcount", "3");
    CairnYcsbClient c = new CairnYcsbClient(props -> cluster.config());
    c.setProperties(p);
    c.init();
    return c;
  }

  private static Map<String, ByteIterator> fields(String... nameValue) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put(nameValue[i], nameValue[i + 1]);
    }
    return StringByteIterator.getByteIteratorMap(m);
  }

  private Map<String, String> read(String key, Set<String> only) {
    Map<String, ByteIterator> result = new HashMap<>();
    assertThat(db.read("usertable", key, only, result)).isEqualTo(Status.OK);
    return StringByteIterator.getStringMap(result);
  }

  @Test
  void anInsertedRecordReadsBackWholeOrByField() {
    assertThat(db.insert("usertable", "user1", fields("f0", "a", "f1", "b", "f2", "c")))
        .isEqualTo(Status.OK);

    assertThat(read("user1", null)).isEqualTo(Map.of("f0", "a", "f1", "b", "f2", "c"));
    assertThat(read("user1", Set.of("f1"))).isEqualTo(Map.of("f1", "b"));
  }

  @Test
  void aPartialUpdateKeepsTheOtherFields() {
    db.insert("usertable", "user2", fields("f0", "a", "f1", "b", "f2", "c"));

    assertThat(db.update("usertable", "user2", fields("f1", "B"))).isEqualTo(Status.OK);

    assertThat(read("user2", null)).isEqualTo(Map.of("f0", "a", "f1", "B", "f2", "c"));
  }

  @Test
  void anUpdateOfEveryFieldReplacesTheRecord() {
    db.insert("usertable", "user3", fields("f0", "a", "f1", "b", "f2", "c"));

    assertThat(db.update("usertable", "user3", fields("f0", "x", "f1", "y", "f2", "z")))
        .isEqualTo(Status.OK);

    assertThat(read("user3", null)).isEqualTo(Map.of("f0", "x", "f1", "y", "f2", "z"));
  }

  @Test
  void missingRecordsAreNotFound() {
    assertThat(db.read("usertable", "nobody", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
    assertThat(db.update("usertable", "nobody", fields("f0", "a"))).isEqualTo(Status.NOT_FOUND);
    assertThat(db.delete("usertable", "nobody")).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void aDeletedRecordIsGone() {
    db.insert("usertable", "user4", fields("f0", "a"));

    assertThat(db.delete("usertable", "user4")).isEqualTo(Status.OK);

    assertThat(db.read("usertable", "user4", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void tablesAreSeparateKeySpaces() {
    db.insert("t1", "k", fields("f0", "one"));
    db.insert("t2", "k", fields("f0", "two"));

    Map<String, ByteIterator> result = new HashMap<>();
    db.read("t1", "k", null, result);
    assertThat(StringByteIterator.getStringMap(result)).isEqualTo(Map.of("f0", "one"));
  }

  @Test
  void aValueNotWrittenByTheBindingIsAnUnexpectedState() {
    io.cairn.client.BlockingCairnClient raw =
        io.cairn.client.BlockingCairnClient.connect(cluster.config().build());
    try {
      raw.put(CairnYcsbClient.keyOf("usertable", "foreign"), new byte[] {0, 9, 'x'});
    } finally {
      raw.close();
    }

    assertThat(db.read("usertable", "foreign", null, new HashMap<>()))
        .isEqualTo(Status.UNEXPECTED_STATE);
  }

  @Test
  void scansAreNotImplemented() {
    assertThat(db.scan("usertable", "user1", 10, null, new Vector<>()))
        .isEqualTo(Status.NOT_IMPLEMENTED);
  }

  @Test
  void anUnknownReadConsistencyIsRefusedAtInit() {
    Properties p = new Properties();
    p.setProperty("cairn.read-consistency", "strongest");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> clientWith(p))
        .isInstanceOf(DBException.class)
        .hasMessageContaining("linearizable, session or eventual");
  }

  @Test
  void eventualReadsSeeTheRecordToo() throws DBException {
    Properties p = new Properties();
    p.setProperty("cairn.read-consistency", "eventual");
    CairnYcsbClient eventual = clientWith(p);
    try {
      db.insert("usertable", "user5", fields("f0", "a"));
      Map<String, ByteIterator> result = new HashMap<>();
      assertThat(eventual.read("usertable", "user5", null, result)).isEqualTo(Status.OK);
      assertThat(new String(result.get("f0").toArray(), StandardCharsets.UTF_8)).isEqualTo("a");
    } finally {
      eventual.cleanup();
    }
  }
}
