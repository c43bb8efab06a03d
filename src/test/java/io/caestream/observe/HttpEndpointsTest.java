package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.caestream.image.RejectReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /metrics, /health/live, /health/ready, / and /api/anomalies on a real socket, with a fake Health. */
class HttpEndpointsTest {
  static final String SECRET = "s3cr3t-P4ssw0rd-do-not-show";
  /** What Prometheus 2.x sends when it scrapes. */
  static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  /** A Health the test flips. */
  static final class FakeHealth implements Health {
    volatile boolean live = true;
    volatile boolean ready = false;
    volatile Map<String, Object> details = Map.of("model", "loaded", "kafkaStreams", "REBALANCING");
    volatile RuntimeException failure;

    @Override
    public boolean live() {
      return live;
    }

    @Override
    public boolean ready() {
      return ready;
    }

    @Override
    public Map<String, Object> details() {
      if (failure != null) {
        throw failure;
      }
      return details;
    }
  }

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private PrometheusMeterRegistry registry;
  private CaeMetrics metrics;
  private FakeHealth health;
  private RecentAnomalies recent;
  private HttpEndpoints http;

  @BeforeEach
  void start() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = new CaeMetrics(registry, CaeMetricsTest.REASONS, java.util.List.of(new CaeMetrics.Threshold(0.01, null)));
    metrics.register("synthetic-surface", "abc123", "cpu", 0.01);
    health = new FakeHealth();
    recent = new RecentAnomalies(4);
    http = new HttpEndpoints("127.0.0.1", 0, registry, health, recent, HttpAccess.OPEN);
  }

  @AfterEach
  void stop() {
    if (http != null) {
      http.close();
    }
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String type(HttpResponse<?> r) {
    return r.headers().firstValue("Content-Type").orElse("");
  }

  @Test
  void metricsArePrometheusTextByDefault() throws Exception {
    metrics.rejected(RejectReason.TRUNCATED.word());
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(type(r)).startsWith("text/plain").contains("version=0.0.4");
    assertThat(r.body())
        .contains("# TYPE cae_images_total counter")
        .contains("cae_images_total{model=\"synthetic-surface\",outcome=\"normal\"} 0")
        .contains("cae_rejected_images_total{model=\"none\",reason=\"truncated\"} 1")
        .contains("cae_model_info{model=\"synthetic-surface\",provider=\"cpu\",version=\"abc123\"} 1")
        .doesNotContain("# EOF");
    PrometheusText.parse(r.body()); // every line is a valid sample or comment
  }

  @Test
  void metricsAreOpenMetricsWhenTheScraperAsks() throws Exception {
    for (String accept : List.of(PROMETHEUS_ACCEPT, "application/openmetrics-text; version=1.0.0")) {
      HttpResponse<String> r = get("/metrics", "Accept", accept);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(type(r)).as("content type for Accept %s", accept).startsWith("application/openmetrics-text");
      assertThat(r.body()).endsWith("# EOF\n");
      assertThat(r.body())
          .contains("# TYPE cae_images counter")
          .contains("cae_images_total{model=\"synthetic-surface\",outcome=\"anomalous\"} 0")
          .contains("cae_reconstruction_error_bucket{model=\"synthetic-surface\",le=\"+Inf\"} 0");
    }
    HttpResponse<String> text = get("/metrics", "Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    assertThat(type(text)).startsWith("text/plain");
  }

  @Test
  void liveAndReadyAnswerWithStatusAndTheReasonAsJson() throws Exception {
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(type(ready)).startsWith("application/json");
    JsonNode body = json.readTree(ready.body());
    assertThat(body.path("status").asText()).isEqualTo("DOWN");
    assertThat(body.path("kafkaStreams").asText()).as("says why: %s", ready.body()).isEqualTo("REBALANCING");
    assertThat(body.path("model").asText()).isEqualTo("loaded");

    HttpResponse<String> live = get("/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(json.readTree(live.body()).path("status").asText()).isEqualTo("UP");

    health.ready = true;
    health.details = Map.of("model", "loaded", "kafkaStreams", "RUNNING");
    HttpResponse<String> nowReady = get("/health/ready");
    assertThat(nowReady.statusCode()).isEqualTo(200);
    assertThat(json.readTree(nowReady.body()).path("status").asText()).isEqualTo("UP");
    assertThat(json.readTree(nowReady.body()).path("kafkaStreams").asText()).isEqualTo("RUNNING");

    health.live = false;
    health.ready = false;
    health.details = Map.of("model", "loaded", "kafkaStreams", "ERROR");
    HttpResponse<String> dead = get("/health/live");
    assertThat(dead.statusCode()).isEqualTo(503);
    assertThat(json.readTree(dead.body()).path("status").asText()).isEqualTo("DOWN");
    assertThat(json.readTree(dead.body()).path("kafkaStreams").asText()).isEqualTo("ERROR");
  }

  @Test
  void aHealthThatThrowsGivesA500WithoutTheMessage() throws Exception {
    health.failure = new IllegalStateException("password=" + SECRET);
    HttpResponse<String> r = get("/health/ready");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).doesNotContain(SECRET);
    assertThat(get("/metrics").statusCode()).as("server still serves").isEqualTo(200);
  }

  @Test
  void viewerAndItsDataAreServed() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(type(page)).startsWith("text/html");
    assertThat(page.body()).contains("id=\"grid\"").contains("/api/anomalies");

    HttpResponse<String> empty = get("/api/anomalies");
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(type(empty)).startsWith("application/json");
    assertThat(json.readTree(empty.body()).isArray()).isTrue();
    assertThat(json.readTree(empty.body())).isEmpty();

    recent.add("{\"imageId\":\"i1\",\"score\":0.5,\"region\":{\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"areaPct\":0.1}}"
        .getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, 64, 48, new byte[] {4, 5});
    JsonNode items = json.readTree(get("/api/anomalies").body());
    assertThat(items).hasSize(1);
    assertThat(items.get(0).path("event").path("imageId").asText()).isEqualTo("i1");
    assertThat(items.get(0).path("image").asText()).isEqualTo("AQID");
    assertThat(items.get(0).path("heatmap").asText()).isEqualTo("BAU=");
    assertThat(items.get(0).path("width").asInt()).isEqualTo(64);
    assertThat(items.get(0).path("height").asInt()).isEqualTo(48);
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    assertThat(get("/metricsfoo").statusCode()).isEqualTo(404);
    assertThat(get("/health/ready/x").statusCode()).isEqualTo(404);
    HttpResponse<String> post = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    HttpResponse<Void> head = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/health/live"))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  /**
   * HttpEndpoints is given the registry, the health and the anomalies, never the config: nothing
   * it serves can contain a configured secret. The config it would leak is checked end to end
   * (a real JAAS password through ScorerApp) in PrometheusScrapeIntegrationTest.
   */
  @Test
  void endpointsHaveNoAccessToConfig() throws Exception {
    List<Class<?>> seen = new ArrayList<>();
    for (Constructor<?> c : HttpEndpoints.class.getDeclaredConstructors()) {
      seen.addAll(List.of(c.getParameterTypes()));
    }
    for (Field f : HttpEndpoints.class.getDeclaredFields()) {
      seen.add(f.getType());
    }
    for (Method m : HttpEndpoints.class.getDeclaredMethods()) {
      if (!Modifier.isPrivate(m.getModifiers())) {
        seen.add(m.getReturnType());
      }
    }
    assertThat(seen).doesNotContain(CaeConfig.class, Properties.class);

    // And the config's own text never reaches a response: scrape everything with a secret set up.
    CaeConfig config = CaeConfig.of(Map.of("kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"cae\" password=\"" + SECRET + "\";"));
    assertThat(config.describe().toString()).doesNotContain(SECRET);
    health.ready = true;
    for (String path : List.of("/metrics", "/health/live", "/health/ready", "/", "/api/anomalies")) {
      assertThat(get(path).body()).as(path).doesNotContain(SECRET).doesNotContain("sasl");
    }
  }

  @Test
  void aPortInUseIsAConfigErrorNamingHttpPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> new HttpEndpoints("127.0.0.1", taken.getLocalPort(), registry, health, recent, HttpAccess.OPEN))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(CaeConfig.HTTP_PORT + ":")
          .hasMessageContaining(Integer.toString(taken.getLocalPort()))
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(CaeConfig.HTTP_PORT));
    }
  }

  @Test
  void aHostThatIsNotLocalIsAConfigErrorNamingHttpHost() {
    // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
    assertThatThrownBy(() -> new HttpEndpoints("192.0.2.1", 0, registry, health, recent, HttpAccess.OPEN))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(CaeConfig.HTTP_HOST));
    assertThatThrownBy(() -> new HttpEndpoints("no-such-host.invalid", 0, registry, health, recent, HttpAccess.OPEN))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(CaeConfig.HTTP_HOST + ":")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(CaeConfig.HTTP_HOST));
  }

  @Test
  void bindsToTheConfiguredLoopbackAddress() throws IOException {
    assertThat(http.port()).isPositive();
    try (HttpEndpoints other = new HttpEndpoints("127.0.0.1", 0, registry, health, recent, HttpAccess.OPEN)) {
      assertThat(other.port()).isNotEqualTo(http.port());
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", other.port())) {
        assertThat(s.isConnected()).isTrue();
      }
    }
  }

  private static String basic(String userColonPassword) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  /** The viewer off: its paths are 404, as any unknown path; probes and metrics are untouched. */
  @Test
  void aViewerThatIsOffIsNotFound() throws Exception {
    http.close();
    http = new HttpEndpoints("127.0.0.1", 0, registry, health, recent, new HttpAccess(false, null));
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/api/anomalies").statusCode()).isEqualTo(404);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }

  /**
   * With basic auth: the viewer and its data need the right user and password (401 and a
   * challenge otherwise, whatever is wrong); /metrics and /health/* stay open for probes.
   */
  @Test
  void theViewerNeedsTheRightCredentialsAndProbesStayOpen() throws Exception {
    http.close();
    http = new HttpEndpoints("127.0.0.1", 0, registry, health, recent, HttpAccess.of(true, "viewer", SECRET));
    for (String path : List.of("/", "/api/anomalies")) {
      HttpResponse<String> none = get(path);
      assertThat(none.statusCode()).as("%s without credentials", path).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm="));
      assertThat(none.body()).doesNotContain("grid").doesNotContain(SECRET);
      for (String wrong : List.of(basic("viewer:" + SECRET + "x"), basic("viewer:" + SECRET.substring(1)),
          basic("Viewer:" + SECRET), basic("viewer"), basic(":" + SECRET), "Basic !!not-base64!!", "Bearer " + SECRET,
          basic("viewer:" + SECRET).toLowerCase(java.util.Locale.ROOT))) {
        assertThat(get(path, "Authorization", wrong).statusCode()).as("%s with %s", path, wrong).isEqualTo(401);
      }
      assertThat(get(path, "Authorization", basic("viewer:" + SECRET)).statusCode()).as(path).isEqualTo(200);
      assertThat(get(path, "Authorization", "basic " + basic("viewer:" + SECRET).substring(6)).statusCode())
          .as("the scheme is case-insensitive (RFC 7617)").isEqualTo(200);
    }
    assertThat(get("/", "Authorization", basic("viewer:" + SECRET)).body()).contains("id=\"grid\"");
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).as("not ready, but not 401").isEqualTo(503);
  }
}
