package io.cairn.tests.history;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A complete, immutable history: every operation with its outcome, ordered by invocation time (ties
 * by id). Operation ids are unique.
 */
public final class History {

  private final List<Operation> operations;

  public History(Collection<Operation> operations) {
    List<Operation> sorted = new ArrayList<>(operations);
    sorted.sort(Comparator.comparingLong(Operation::invokeNanos).thenComparingLong(Operation::id));
    Set<Long> ids = new HashSet<>();
    for (Operation operation : sorted) {
      if (!ids.add(operation.id())) {
        throw new IllegalArgumentException("operation id " + operation.id() + " appears twice");
      }
    }
    this.operations = List.copyOf(sorted);
  }

  /** Operations ordered by invocation time. */
  public List<Operation> operations() {
    return operations;
  }

  public int size() {
    return operations.size();
  }

  /** The operations on each key, in invocation order; keys in order of first invocation. */
  public Map<String, List<Operation>> byKey() {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    for (Operation operation : operations) {
      byKey.computeIfAbsent(operation.key(), k -> new ArrayList<>()).add(operation);
    }
    return byKey;
  }

  /** The earliest invocation time, the origin checkers print times relative to; 0 if empty. */
  public long startNanos() {
    return operations.isEmpty() ? 0 : operations.get(0).invokeNanos();
  }

  /** Writes this history as JSON lines (see {@link HistoryFile}). */
  public void writeTo(Writer out) throws IOException {
    HistoryFile.write(this, out);
  }

  public void writeTo(Path file) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeTo(out);
    }
  }

  public static History readFrom(Reader in) throws IOException {
    return HistoryFile.read(in);
  }

  public static History readFrom(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return readFrom(in);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof History that && operations.equals(that.operations);
  }

  @Override
  public int hashCode() {
    return operations.hashCode();
  }

  @Override
  public String toString() {
    return "History(" + operations.size() + " operations)";
  }
}
