package io.cairn.node.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cairn.node.runtime.DaemonThreads;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code /metrics} (Prometheus text format) and {@code /health} over plain HTTP, to GET and
 * HEAD only (405 otherwise), and nothing else (404). {@code /health} answers 200 when every local
 * replica knows its leader, else 503; the body is JSON either way.
 */
public final class HttpEndpoint implements Closeable {
  /** A health verdict and its JSON body. */
  public record Health(boolean healthy, String json) {}

  private static final String TEXT = "text/plain; charset=utf-8";
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(2, DaemonThreads.named("cairn-http"));

  public HttpEndpoint(String host, int port, Supplier<String> scrape, Supplier<Health> health)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.setExecutor(executor);
    // One context for every path: the JDK server matches contexts by prefix, so "/metrics" alone
    // would also answer /metricsX and /metrics/../anything. Only the exact paths answer, and only
    // to GET and HEAD.
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (!path.equals("/metrics") && !path.equals("/health")) {
              respond(ex, 404, TEXT, "not found: this endpoint serves /metrics and /health\n");
              return;
            }
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
              ex.getResponseHeaders().set("Allow", "GET, HEAD");
              respond(ex, 405, TEXT, path + " answers GET and HEAD only\n");
              return;
            }
            if (path.equals("/metrics")) {
              respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get());
            } else {
              Health h = health.get();
              respond(ex, h.healthy() ? 200 : 503, "application/json", h.json());
            }
          }
        });
  }

  public void start() {
    server.start();
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(code, -1);
      return;
    }
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
