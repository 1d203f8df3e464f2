package io.cairn.tests.checker;

import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sanity checks on the versions a key's history reports, independent of any ordering: every
 * observation of one value (the put's own answer, reads at any consistency) reports the same
 * version, and no two writes share a version (versions and delete indexes are Raft log indexes,
 * unique per key). Also notes values written twice, which breaks the harness's promise that a value
 * identifies its write.
 */
final class VersionConsistency {

  /**
   * @param violations broken guarantees; @param notes broken checker preconditions
   */
  record Findings(List<String> violations, List<String> notes) {}

  private record Sighting(String what, Operation where) {}

  private VersionConsistency() {}

  static Findings check(List<Operation> keyOperations, OperationFormat format) {
    List<String> violations = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Map<String, Operation> writerByValue = new HashMap<>();
    Set<String> writtenTwice = new HashSet<>();
    Map<String, Long> versionByValue = new HashMap<>();
    Map<String, Operation> versionWitness = new HashMap<>();
    Map<Long, Sighting> ownerByVersion = new HashMap<>();

    for (Operation operation : keyOperations) {
      String written = operation.op().value();
      if (written != null) {
        Operation earlier = writerByValue.putIfAbsent(written, operation);
        if (earlier != null && writtenTwice.add(written)) {
          notes.add(
              "value "
                  + written
                  + " is written by both "
                  + format.describe(earlier)
                  + " and "
                  + format.describe(operation)
                  + "; reads of it cannot be attributed to one write");
        }
      }
    }
    for (Operation operation : keyOperations) {
      if (!operation.isOk()) {
        continue;
      }
      OpResult result = operation.result();
      if (result instanceof OpResult.PutResult put) {
        observe(
            writtenTwice,
            operation.op().value(),
            put.version(),
            operation,
            versionByValue,
            versionWitness,
            violations,
            format);
        claim(
            put.version(),
            "value " + operation.op().value(),
            operation,
            ownerByVersion,
            violations,
            format);
      } else if (result instanceof OpResult.GetResult get && get.found()) {
        observe(
            writtenTwice,
            get.value(),
            get.version(),
            operation,
            versionByValue,
            versionWitness,
            violations,
            format);
        claim(get.version(), "value " + get.value(), operation, ownerByVersion, violations, format);
      } else if (result instanceof OpResult.DeleteResult delete) {
        claim(
            delete.index(),
            "delete #" + operation.id(),
            operation,
            ownerByVersion,
            violations,
            format);
      }
    }
    return new Findings(violations, notes);
  }

  private static void observe(
      Set<String> writtenTwice,
      String value,
      long version,
      Operation where,
      Map<String, Long> versionByValue,
      Map<String, Operation> versionWitness,
      List<String> violations,
      OperationFormat format) {
    if (writtenTwice.contains(value)) {
      return; // a value written twice may legitimately carry two versions
    }
    Long known = versionByValue.putIfAbsent(value, version);
    if (known != null && known != version) {
      violations.add(
          "value "
              + value
              + " is reported with version "
              + known
              + " by "
              + format.describe(versionWitness.get(value))
              + " but with version "
              + version
              + " by "
              + format.describe(where));
    }
    versionWitness.putIfAbsent(value, where);
  }

  private static void claim(
      long version,
      String owner,
      Operation where,
      Map<Long, Sighting> ownerByVersion,
      List<String> violations,
      OperationFormat format) {
    Sighting earlier = ownerByVersion.putIfAbsent(version, new Sighting(owner, where));
    if (earlier != null && !earlier.what().equals(owner)) {
      violations.add(
          "version "
              + version
              + " belongs to "
              + earlier.what()
              + " ("
              + format.describe(earlier.where())
              + ") and to "
              + owner
              + " ("
              + format.describe(where)
              + "); versions are unique per key");
    }
  }
}
