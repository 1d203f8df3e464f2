package io.cairn.ycsb;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnException;
import io.cairn.client.ClientConfig;
import io.cairn.client.GetResult;
import io.cairn.client.VersionMismatchException;
import io.cairn.proto.Consistency;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.function.Function;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * YCSB's {@code DB} on Cairn: one record is one key ({@code table/key}) whose value holds all the
 * record's fields ({@link RecordCodec}).
 *
 * <p>Properties (YCSB {@code -p name=value}):
 *
 * <ul>
 *   <li>{@code cairn.endpoints}: comma-separated host:port of any nodes (default the local
 *       cluster's, 127.0.0.1:7001,127.0.0.2:7001,127.0.0.3:7001);
 *   <li>{@code cairn.read-consistency}: linearizable (default), session or eventual;
 *   <li>{@code cairn.request-timeout-ms}: per operation, retries included (default the client's);
 *   <li>{@code cairn.tls-ca}, {@code cairn.tls-cert}, {@code cairn.tls-key}, {@code cairn.user},
 *       {@code cairn.password}: TLS and a user for a secured cluster ({@link YcsbTransport}).
 * </ul>
 *
 * <p>An update that names every field of the record (YCSB's {@code fieldcount}, or
 * writeallfields=true) is one put. One that names fewer is a read-modify-write made safe by
 * compare-and-set: read, merge, put with the version read, again on a version mismatch.
 *
 * <p>Scans are not supported: keys are spread over shards by hash, so there is no key order to scan
 * in (workload E answers NOT_IMPLEMENTED).
 *
 * <p>YCSB makes one instance per client thread; they share one {@link BlockingCairnClient} (and so
 * its channels and routing), as a real application would.
 */
public final class CairnYcsbClient extends DB {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:7001,127.0.0.2:7001,127.0.0.3:7001";
  private static final int UPDATE_ATTEMPTS_MAX = 20;

  private static final SharedClient SHARED = new SharedClient();

  private final Function<Properties, ClientConfig.Builder> configs;
  private BlockingCairnClient client;
  private Consistency readConsistency;
  private int fieldCount;

  public CairnYcsbClient() {
    this(
        p ->
            ClientConfig.builder()
                .endpoints(p.getProperty("cairn.endpoints", DEFAULT_ENDPOINTS).split(","))
                .channelFactory(YcsbTransport.from(p)));
  }

  /**
   * For tests: {@code configs} makes the client configuration from the properties, endpoints
   * included (e.g. an in-process cluster's).
   */
  CairnYcsbClient(Function<Properties, ClientConfig.Builder> configs) {
    this.configs = configs;
  }

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    try {
      readConsistency =
          Consistency.valueOf(
              p.getProperty("cairn.read-consistency", "linearizable").toUpperCase(Locale.ROOT));
      fieldCount = Integer.parseInt(p.getProperty("fieldcount", "10"));
    } catch (IllegalArgumentException e) {
      throw new DBException(
          "bad property: cairn.read-consistency must be linearizable, session or eventual and"
              + " fieldcount a number ("
              + e.getMessage()
              + ")",
          e);
    }
    ClientConfig.Builder config;
    try {
      config = configs.apply(p);
    } catch (IllegalArgumentException e) {
      throw new DBException("bad property: " + e.getMessage(), e);
    }
    if (p.containsKey("cairn.request-timeout-ms")) {
      config.requestTimeoutMs(Long.parseLong(p.getProperty("cairn.request-timeout-ms")));
    }
    client = SHARED.acquire(config);
  }

  @Override
  public void cleanup() {
    if (client != null) {
      SHARED.release();
      client = null;
    }
  }

  @Override
  public Status read(
      String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      GetResult r = client.get(keyOf(table, key), readConsistency);
      if (!r.found()) {
        return Status.NOT_FOUND;
      }
      YcsbRecords.readInto(r.value(), fields, result);
      return Status.OK;
    } catch (CairnException e) {
      return statusOf(e);
    } catch (IllegalArgumentException notARecord) {
      return Status.UNEXPECTED_STATE;
    }
  }

  @Override
  public Status scan(
      String table,
      String startKey,
      int recordCount,
      Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    try {
      client.put(keyOf(table, key), YcsbRecords.encode(values));
      return Status.OK;
    } catch (CairnException e) {
      return statusOf(e);
    }
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    Map<String, byte[]> changed = YcsbRecords.bytesOf(values);
    byte[] k = keyOf(table, key);
    try {
      if (changed.size() >= fieldCount) {
        client.put(k, RecordCodec.encode(changed));
        return Status.OK;
      }
      for (int attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt++) {
        GetResult current = client.get(k, Consistency.LINEARIZABLE);
        if (!current.found()) {
          return Status.NOT_FOUND;
        }
        Map<String, byte[]> merged = RecordCodec.decode(current.value());
        merged.putAll(changed);
        try {
          client.put(k, RecordCodec.encode(merged), current.version());
          return Status.OK;
        } catch (VersionMismatchException raced) {
          // Another client changed the record between the read and the put: merge again.
        }
      }
      return Status.UNEXPECTED_STATE;
    } catch (CairnException e) {
      return statusOf(e);
    } catch (IllegalArgumentException notARecord) {
      return Status.UNEXPECTED_STATE;
    }
  }

  @Override
  public Status delete(String table, String key) {
    try {
      return client.delete(keyOf(table, key)).existed() ? Status.OK : Status.NOT_FOUND;
    } catch (CairnException e) {
      return statusOf(e);
    }
  }

  static byte[] keyOf(String table, String key) {
    return (table + "/" + key).getBytes(StandardCharsets.UTF_8);
  }

  private static Status statusOf(CairnException e) {
    return YcsbRecords.statusOf(e.code());
  }

  /** One client for all of YCSB's threads, closed when the last thread cleans up. */
  private static final class SharedClient {
    private BlockingCairnClient client;
    private int users;

    synchronized BlockingCairnClient acquire(ClientConfig.Builder config) {
      if (client == null) {
        client = BlockingCairnClient.connect(config.build());
      }
      users++;
      return client;
    }

    synchronized void release() {
      if (--users == 0) {
        client.close();
        client = null;
      }
    }
  }
}
