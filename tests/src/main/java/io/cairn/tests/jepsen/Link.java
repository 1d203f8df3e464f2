package io.cairn.tests.jepsen;

/** An undirected link between two nodes, stored with {@code a < b}. */
public record Link(int a, int b) {

  public Link {
    if (a == b) {
      throw new IllegalArgumentException("a link joins two different nodes, got " + a + " twice");
    }
    if (a > b) {
      int t = a;
      a = b;
      b = t;
    }
  }

  public boolean touches(int node) {
    return a == node || b == node;
  }

  @Override
  public String toString() {
    return "n" + a + "-n" + b;
  }
}
