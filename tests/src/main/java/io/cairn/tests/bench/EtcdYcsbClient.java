package io.cairn.tests.bench;

import com.google.protobuf.ByteString;
import io.cairn.tests.bench.etcd.DeleteRangeRequest;
import io.cairn.tests.bench.etcd.KVGrpc;
import io.cairn.tests.bench.etcd.PutRequest;
import io.cairn.tests.bench.etcd.RangeRequest;
import io.cairn.tests.bench.etcd.RangeResponse;
import io.cairn.ycsb.YcsbRecords;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * YCSB's {@code DB} on etcd 3.4's KV API: the yardstick, so that {@code scripts/bench.sh} can run
 * both stores under the same YCSB (issue 10 compares them that way). A record is stored as the same
 * bytes as {@code CairnYcsbClient} stores it, under the key {@code table/key}, and it answers YCSB
 * as that binding does ({@link YcsbRecords}).
 *
 * <p>Properties (YCSB {@code -p name=value}):
 *
 * <ul>
 *   <li>{@code etcd.endpoints}: comma-separated host:port of the members (default the three of
 *       {@code scripts/bench.sh}); YCSB's threads take the members in turn, in the order they
 *       initialise, so n threads spread evenly over them, as etcd's own client spreads its
 *       connections and as {@link EtcdBench} does;
 *   <li>{@code etcd.read-consistency}: linearizable (default, etcd's default Range) or
 *       serializable;
 *   <li>{@code etcd.request-timeout-ms}: per operation (default 10000).
 * </ul>
 *
 * <p>Updates write whole records: a put, as etcd has no field-level write. A workload whose updates
 * name only some fields (fieldcount above 1 without writeallfields=true) is refused at init rather
 * than measured as something it is not.
 */
public final class EtcdYcsbClient extends DB {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:2379";

  private static final SharedChannels SHARED =
      new SharedChannels(
          endpoint ->
              NettyChannelBuilder.forTarget(endpoint).usePlaintext().directExecutor().build());

  private final SharedChannels channels;
  private KVGrpc.KVBlockingStub kv;
  private boolean serializableReads;
  private long timeoutMs;

  public EtcdYcsbClient() {
    this(SHARED);
  }

  /** For tests: channels made by the given factory (e.g. in-process ones). */
  EtcdYcsbClient(SharedChannels channels) {
    this.channels = channels;
  }

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    String consistency =
        p.getProperty("etcd.read-consistency", "linearizable").toLowerCase(Locale.ROOT);
    switch (consistency) {
      case "linearizable" -> serializableReads = false;
      case "serializable" -> serializableReads = true;
      default ->
          throw new DBException(
              "bad property: etcd.read-consistency must be linearizable or serializable, not '"
                  + consistency
                  + "'");
    }
    try {
      timeoutMs = Long.parseLong(p.getProperty("etcd.request-timeout-ms", "10000"));
      int fieldCount = Integer.parseInt(p.getProperty("fieldcount", "10"));
      boolean writeAll = Boolean.parseBoolean(p.getProperty("writeallfields", "false"));
      if (fieldCount > 1 && !writeAll) {
        throw new DBException(
            "bad properties: etcd updates write whole records; use fieldcount=1 or"
                + " writeallfields=true (fieldcount is "
                + fieldCount
                + ")");
      }
    } catch (NumberFormatException e) {
      throw new DBException(
          "bad property: etcd.request-timeout-ms and fieldcount must be numbers ("
              + e.getMessage()
              + ")",
          e);
    }
    if (timeoutMs <= 0) {
      throw new DBException("bad property: etcd.request-timeout-ms must be positive");
    }
    String[] endpoints = p.getProperty("etcd.endpoints", DEFAULT_ENDPOINTS).split(",");
    kv = KVGrpc.newBlockingStub(channels.acquire(endpoints));
  }

  @Override
  public void cleanup() {
    if (kv != null) {
      channels.release();
      kv = null;
    }
  }

  @Override
  public Status read(
      String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      RangeResponse r =
          stub()
              .range(
                  RangeRequest.newBuilder()
                      .setKey(keyOf(table, key))
                      .setSerializable(serializableReads)
                      .build());
      if (r.getKvsCount() == 0) {
        return Status.NOT_FOUND;
      }
      YcsbRecords.readInto(r.getKvs(0).getValue().toByteArray(), fields, result);
      return Status.OK;
    } catch (StatusRuntimeException e) {
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
    return Status.NOT_IMPLEMENTED; // Cairn's binding has no scans either: the same workloads only.
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    return put(table, key, values);
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    return put(table, key, values);
  }

  @Override
  public Status delete(String table, String key) {
    try {
      long deleted =
          stub()
              .deleteRange(DeleteRangeRequest.newBuilder().setKey(keyOf(table, key)).build())
              .getDeleted();
      return deleted > 0 ? Status.OK : Status.NOT_FOUND;
    } catch (StatusRuntimeException e) {
      return statusOf(e);
    }
  }

  private Status put(String table, String key, Map<String, ByteIterator> values) {
    try {
      stub()
          .put(
              PutRequest.newBuilder()
                  .setKey(keyOf(table, key))
                  .setValue(ByteString.copyFrom(YcsbRecords.encode(values)))
                  .build());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return statusOf(e);
    }
  }

  private KVGrpc.KVBlockingStub stub() {
    return kv.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static ByteString keyOf(String table, String key) {
    return ByteString.copyFrom(table + "/" + key, StandardCharsets.UTF_8);
  }

  private static Status statusOf(StatusRuntimeException e) {
    return YcsbRecords.statusOf(e.getStatus().getCode());
  }

  /**
   * One channel per member for all of YCSB's threads (YCSB makes one {@code DB} per thread), closed
   * when the last thread cleans up; each thread, as it initialises, gets the next member in turn.
   */
  static final class SharedChannels {
    private final Function<String, ManagedChannel> factory;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private int users;
    private int handedOut;

    SharedChannels(Function<String, ManagedChannel> factory) {
      this.factory = factory;
    }

    synchronized ManagedChannel acquire(String[] endpoints) {
      if (channels.isEmpty()) {
        for (String e : endpoints) {
          channels.add(factory.apply(e.trim()));
        }
      }
      users++;
      return channels.get(handedOut++ % channels.size());
    }

    synchronized void release() {
      if (--users == 0) {
        channels.forEach(ManagedChannel::shutdownNow);
        channels.clear();
        handedOut = 0;
      }
    }
  }
}
