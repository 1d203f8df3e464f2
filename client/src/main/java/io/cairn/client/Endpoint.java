package io.cairn.client;

/** A node's client address, {@code host:port}. */
public record Endpoint(String host, int port) {
  public Endpoint {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("endpoint host is empty; write endpoints as host:port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "endpoint port " + port + " of host " + host + " is outside 1..65535");
    }
  }

  /** Parses {@code host:port}; IPv6 hosts go in brackets, {@code [::1]:7001}. */
  public static Endpoint parse(String text) {
    String s = text == null ? "" : text.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException(
          "endpoint '" + text + "' is not host:port (for example 127.0.0.1:7001)");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint '" + text + "' has a port that is not a number");
    }
    return new Endpoint(host, port);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
