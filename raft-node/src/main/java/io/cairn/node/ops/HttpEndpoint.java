package io.cairn.node.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code /metrics} (Prometheus text format) and {@code /health} over plain HTTP. {@code
 * /health} answers 200 when every local replica knows its leader, else 503; the body is JSON either
 * way.
 */
public final class HttpEndpoint implements Closeable {
  /** A health verdict and its JSON body. */
  public record Health(boolean healthy, String json) {}

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "cairn-http");
            t.setDaemon(true);
            return t;
          });

  public HttpEndpoint(String host, int port, Supplier<String> scrape, Supplier<Health> health)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.setExecutor(executor);
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get()));
    server.createContext(
        "/health",
        ex -> {
          Health h = health.get();
          respond(ex, h.healthy() ? 200 : 503, "application/json", h.json());
        });
  }

  public void start() {
    server.start();
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
