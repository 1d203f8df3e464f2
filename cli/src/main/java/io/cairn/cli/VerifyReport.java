package io.cairn.cli;

import io.cairn.proto.ReplicaDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code cairnctl verify} concluded about one shard from its replicas' answers at one digest
 * marker. Pure: no I/O, so every verdict is tested without a cluster.
 */
record VerifyReport(int shardId, long index, String markError, List<Replica> replicas) {

  /** One replica's answer: the digest it recorded, or why there is none ({@code error}). */
  record Replica(String nodeId, ReplicaDigest answer, String error) {
    boolean recorded() {
      return answer != null && answer.getState() == ReplicaDigest.State.RECORDED;
    }

    String digestHex() {
      return recorded() ? HexFormat.of().formatHex(answer.getDigest().toByteArray()) : "";
    }

    /** The digest's first 16 hex digits (all of it if a node sent fewer). */
    String shortDigest() {
      String hex = digestHex();
      return hex.substring(0, Math.min(16, hex.length()));
    }

    /** RECORDED, NOT_APPLIED_YET, ... or UNREACHABLE. */
    String state() {
      return answer == null ? "UNREACHABLE" : answer.getState().name();
    }
  }

  enum Verdict {
    /** Every replica recorded the same digest. */
    AGREE,
    /** Replicas recorded different digests: their states differ at the same index. */
    DIVERGED,
    /** The replicas that answered agree, but not every replica answered with a digest. */
    INCOMPLETE,
    /** No marker could be placed (no leader, shard unavailable). */
    NOT_CHECKED
  }

  static VerifyReport notChecked(int shardId, String why) {
    return new VerifyReport(shardId, 0, why, List.of());
  }

  Verdict verdict() {
    if (markError != null) {
      return Verdict.NOT_CHECKED;
    }
    long distinct =
        replicas.stream().filter(Replica::recorded).map(Replica::digestHex).distinct().count();
    if (distinct > 1) {
      return Verdict.DIVERGED;
    }
    return replicas.stream().allMatch(Replica::recorded) && distinct == 1
        ? Verdict.AGREE
        : Verdict.INCOMPLETE;
  }

  /**
   * The digest most replicas recorded; null when there is no single most common one (a tie, or none
   * recorded).
   */
  String majorityDigest() {
    Map<String, Long> counts =
        replicas.stream()
            .filter(Replica::recorded)
            .collect(Collectors.groupingBy(Replica::digestHex, Collectors.counting()));
    long top = counts.values().stream().max(Long::compare).orElse(0L);
    List<String> leaders =
        counts.entrySet().stream().filter(e -> e.getValue() == top).map(Map.Entry::getKey).toList();
    return leaders.size() == 1 ? leaders.get(0) : null;
  }

  /** Nodes whose recorded digest differs from the majority's (empty without a majority). */
  List<String> outliers() {
    String majority = majorityDigest();
    if (majority == null) {
      return List.of();
    }
    return replicas.stream()
        .filter(Replica::recorded)
        .filter(r -> !Objects.equals(r.digestHex(), majority))
        .map(Replica::nodeId)
        .toList();
  }

  /** The lines of the text output: one summary line, then one per replica unless they agree. */
  List<String> lines() {
    Verdict v = verdict();
    String head = "shard " + shardId + (index > 0 ? " @" + index : "") + ": ";
    return switch (v) {
      case NOT_CHECKED -> List.of(head + "NOT CHECKED: " + markError);
      case AGREE -> {
        Replica any = replicas.get(0);
        yield List.of(
            head
                + "agree: "
                + replicas.size()
                + " replicas ("
                + replicas.stream().map(Replica::nodeId).collect(Collectors.joining(" "))
                + "), digest "
                + any.shortDigest()
                + ", "
                + any.answer().getKeys()
                + " keys");
      }
      case DIVERGED, INCOMPLETE -> {
        List<String> outliers = outliers();
        String summary =
            v == Verdict.DIVERGED
                ? "DIVERGED: "
                    + (outliers.isEmpty()
                        ? "no majority digest"
                        : String.join(" ", outliers)
                            + " differ"
                            + (outliers.size() == 1 ? "s" : "")
                            + " from the majority")
                : "INCOMPLETE: the replicas that answered agree, some gave no digest";
        Function<Replica, String> line =
            r ->
                "  "
                    + r.nodeId()
                    + " "
                    + r.state()
                    + (r.recorded()
                        ? " " + r.shortDigest() + " " + r.answer().getKeys() + " keys"
                        : "")
                    + (r.error() != null ? ": " + r.error() : "")
                    + (outliers.contains(r.nodeId()) ? "  <- differs" : "");
        yield java.util.stream.Stream.concat(
                java.util.stream.Stream.of(head + summary), replicas.stream().map(line))
            .toList();
      }
    };
  }
}
