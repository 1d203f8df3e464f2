package io.cairn.node.ops;

import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;

/**
 * The verdict of {@code /health}: healthy when the node hosts replicas, every one of them knows its
 * leader, and none has FAILED; the JSON body lists each replica either way, with the reason of a
 * failed one.
 */
public final class NodeHealth {
  private NodeHealth() {}

  public static HttpEndpoint.Health of(NodeStatus status) {
    boolean healthy = !status.getReplicasList().isEmpty();
    StringBuilder json =
        new StringBuilder("{\"node\":").append(quote(status.getNodeId())).append(",\"replicas\":[");
    for (int i = 0; i < status.getReplicasCount(); i++) {
      ReplicaStatus r = status.getReplicas(i);
      boolean failed = r.getRole().equals("FAILED");
      healthy &= !r.getLeaderId().isEmpty() && !failed;
      json.append(i == 0 ? "" : ",")
          .append("{\"shard\":")
          .append(quote(r.getIsMeta() ? "meta" : "" + r.getShardId()))
          .append(",\"role\":")
          .append(quote(r.getRole()))
          .append(",\"leader\":")
          .append(quote(r.getLeaderId()))
          .append(",\"applied\":")
          .append(r.getAppliedIndex());
      if (failed) {
        json.append(",\"failure\":").append(quote(r.getFailure()));
      }
      json.append('}');
    }
    json.append("],\"healthy\":").append(healthy).append('}');
    return new HttpEndpoint.Health(healthy, json.toString());
  }

  /** A JSON string literal: quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
