package io.cairn.node.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {
  private final AtomicInteger scrapes = new AtomicInteger();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpEndpoint endpoint;
  private int port;

  @BeforeEach
  void start() throws IOException {
    port = FreePorts.takeOne();
    endpoint =
        new HttpEndpoint(
            "127.0.0.1",
            port,
            () -> {
              scrapes.incrementAndGet();
              return "cairn_up 1\n";
            },
            () -> new HttpEndpoint.Health(false, "{\"healthy\":false}"));
    endpoint.start();
  }

  @AfterEach
  void stop() {
    endpoint.close();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesItsTwoPaths() throws Exception {
    assertThat(send("GET", "/metrics").body()).isEqualTo("cairn_up 1\n");
    HttpResponse<String> health = send("GET", "/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).isEqualTo("{\"healthy\":false}");
    HttpResponse<String> head = send("HEAD", "/metrics");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void answersNothingElse() throws Exception {
    for (String path : new String[] {"/", "/metricsX", "/metrics/", "/health/../metrics", "/x"}) {
      assertThat(send("GET", path).statusCode()).as(path).isEqualTo(404);
    }
    int before = scrapes.get();
    for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS"}) {
      HttpResponse<String> r = send(method, "/metrics");
      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
    assertThat(scrapes.get()).isEqualTo(before);
  }
}
