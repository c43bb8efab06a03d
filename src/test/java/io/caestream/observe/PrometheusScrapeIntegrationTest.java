package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole observability chain against real software: the scorer runs as {@code demo} runs it
 * (in-process KRaft broker, synthetic feed with some broken images), a real Prometheus scrapes it
 * every second under job "cae-stream" with the repository's rule file loaded, and every query that
 * the Grafana dashboard and the recording rules run must return data. This is what catches a
 * metric renamed on one side only, a label the rules group by that the scorer does not export, or
 * a Kafka client metric that Micrometer names differently from what the dashboard expects.
 */
class PrometheusScrapeIntegrationTest {
  static final String SECRET = "s3cr3t-JAAS-P4ssw0rd-never-served";

  /**
   * Queries that need more history than a test can make (e.g. data older than the range they
   * look at) and so may legitimately be empty here, with the reason. They must still parse and
   * run. Today there are none: rate()/increase() over [1h] or [24h] and max_over_time()[24h] work
   * on whatever part of the range has samples, so even the 24h baseline has data after a few
   * scrapes. Add an entry only with a reason that holds for every run.
   */
  static final Map<String, String> NEEDS_HISTORY = Map.of();


  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void prometheusScrapesTheScorerAndEveryDashboardAndRuleQueryHasData(@TempDir Path tmp) throws Exception {
    Path prometheus = ExternalTool.require("prometheus");
    Path rules = DashboardQueries.root().resolve(DashboardQueries.RULES);
    assertThat(rules).isRegularFile();

    // The bundled model from a repository, with a shadow (itself), so the shadow series and the
    // dashboard's shadow panel have data too.
    Path model = io.caestream.testing.TestRepository.addModel(tmp.resolve("models"), "synthetic-surface",
        "synthetic-surface");
    java.nio.file.Files.copy(model.resolve("model.onnx"), model.resolve("shadow.onnx"));
    java.nio.file.Files.copy(model.resolve("model.calibration.json"), model.resolve("shadow.calibration.json"));
    Map<String, String> extra = Map.of(
        // A secret in the config, as a SASL deployment has it: no HTTP response may contain it.
        "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"cae\" password=\"" + SECRET + "\";",
        io.caestream.config.CaeConfig.MODEL_REPOSITORY, tmp.resolve("models").toString());
    try (RunningScorer scorer = RunningScorer.start(extra)) {
      scorer.awaitReady(Duration.ofSeconds(60));
      scorer.feed(Long.MAX_VALUE, 64, 40, 0.2, 10);
      RunningScorer.awaitTrue("the first images scored and dead-lettered", Duration.ofSeconds(30),
          () -> scorer.app.metrics().count("normal") > 0 && scorer.app.metrics().count("rejected") > 0);

      checkScorerMetricsEndpoint(scorer);
      checkNoResponseContainsTheSecret(scorer);

      Process server = startPrometheus(prometheus, tmp, rules, scorer.httpPort());
      try {
        String base = "http://127.0.0.1:" + prometheusPort;
        awaitPrometheusReady(base, server, tmp);
        awaitTargetUp(base, server, tmp);
        checkEveryQueryHasData(base, scorer, tmp);
      } finally {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  // --------------------------------------------------------------------------- the scorer itself

  private void checkScorerMetricsEndpoint(RunningScorer scorer) throws Exception {
    HttpResponse<String> r = scorer.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    PrometheusText text = PrometheusText.parse(r.body());
    Set<String> names = text.names();
    assertThat(names).as("/metrics of the running scorer").containsAll(AlertRulesTest.CAE_METRICS)
        .containsAll(AlertRulesTest.SHADOW_METRICS);
    assertThat(names).as("Kafka Streams client metrics").anyMatch(n -> n.startsWith("kafka_stream_"));
    assertThat(names).as("stream thread process rate (dashboard)").contains("kafka_stream_thread_process_rate");
    assertThat(names).as("JVM metrics").anyMatch(n -> n.startsWith("jvm_"))
        .contains("jvm_memory_used_bytes", "jvm_memory_max_bytes");
    String m = scorer.app.engine().name();
    for (String outcome : List.of("normal", "anomalous", "rejected")) {
      assertThat(text.find("cae_images_total", "model", m, "outcome", outcome)).as("outcome %s", outcome).isPresent();
    }
    assertThat(text.value("cae_images_total", "model", m, "outcome", "normal")).isPositive();
    assertThat(text.value("cae_images_total", "model", m, "outcome", "rejected")).isPositive();
    assertThat(text.value("cae_rejected_images_total", "model", m, "reason", "empty")
        + text.value("cae_rejected_images_total", "model", m, "reason", "unknown-format")).isPositive();
    assertThat(text.value("cae_anomaly_threshold", "model", m))
        .isEqualTo(scorer.app.engine().scorer().settings().threshold());
    // Every cae_ series says which model it is about; records no model saw count under none.
    assertThat(text.samples()).filteredOn(x -> x.name().startsWith("cae_"))
        .allSatisfy(x -> assertThat(x.labels()).containsKey("model"));
    assertThat(text.value("cae_images_total", "model", CaeMetrics.NO_MODEL, "outcome", "rejected")).isZero();
    assertThat(text.value("cae_model_reloads_total", "model", m, "result", "refused")).isZero();
    PrometheusText.Sample info = text.find("cae_model_info").orElseThrow();
    assertThat(info.value()).isEqualTo(1.0);
    assertThat(info.labels().keySet()).containsExactlyInAnyOrder("model", "version", "provider");
    assertThat(info.label("provider")).isEqualTo("cpu");
    assertThat(info.label("version")).as("model hash prefix . calibration hash prefix").matches("[0-9a-f]{12}\\.[0-9a-f]{8}");
    // The reconstruction-error histogram resolves the scores: not everything in +Inf.
    double all = text.value("cae_reconstruction_error_bucket", "model", m, "le", "+Inf");
    double belowThreshold = text.named("cae_reconstruction_error_bucket").stream()
        .filter(s -> PrometheusText.parseLe(s.label("le")) <= text.value("cae_anomaly_threshold", "model", m) * 1.0000001)
        .mapToDouble(PrometheusText.Sample::value).max().orElse(0);
    assertThat(belowThreshold).as("scores at or below the threshold, of %s", all).isPositive();
  }

  private void checkNoResponseContainsTheSecret(RunningScorer scorer) throws Exception {
    for (String path : List.of("/metrics", "/health/live", "/health/ready", "/", "/api/anomalies")) {
      HttpResponse<String> r = scorer.get(path);
      assertThat(r.body()).as("GET %s", path).doesNotContain(SECRET).doesNotContain("PlainLoginModule");
    }
    HttpResponse<String> om = scorer.get("/metrics", "Accept", HttpEndpointsTest.PROMETHEUS_ACCEPT);
    assertThat(om.body()).doesNotContain(SECRET).endsWith("# EOF\n");
  }

  // ---------------------------------------------------------------------------------- Prometheus

  private int prometheusPort;

  private Process startPrometheus(Path binary, Path tmp, Path rules, int scorerPort) throws IOException {
    prometheusPort = freePort();
    Path config = tmp.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - '" + rules.toAbsolutePath() + "'",
        "scrape_configs:",
        "  - job_name: cae-stream",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + scorerPort + "']",
        ""), StandardCharsets.UTF_8);
    Path data = Files.createDirectories(tmp.resolve("data"));
    return new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + data,
        "--web.listen-address=127.0.0.1:" + prometheusPort,
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("prometheus.log").toFile())
        .start();
  }

  private void awaitPrometheusReady(String base, Process server, Path tmp) throws Exception {
    RunningScorer.awaitTrue("Prometheus ready", Duration.ofSeconds(30), () -> {
      if (!server.isAlive()) {
        throw new AssertionError("Prometheus exited with " + server.exitValue() + ":\n" + log(tmp));
      }
      try {
        return get(base + "/-/ready").statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  private void awaitTargetUp(String base, Process server, Path tmp) throws Exception {
    String[] last = {""};
    try {
      RunningScorer.awaitTrue("the cae-stream target up", Duration.ofSeconds(30), () -> {
        try {
          JsonNode targets = json.readTree(get(base + "/api/v1/targets").body()).path("data").path("activeTargets");
          last[0] = targets.toString();
          for (JsonNode t : targets) {
            if ("cae-stream".equals(t.path("labels").path("job").asText()) && "up".equals(t.path("health").asText())) {
              return true;
            }
          }
          return false;
        } catch (Exception e) {
          return false;
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\ntargets: " + last[0] + "\nprometheus log:\n" + log(tmp), e);
    }
  }

  /**
   * Polls every panel query and every recording rule expression until each has a non-empty
   * result (or the deadline passes), then asserts on the last answers. rate() needs two samples
   * in its range and the recording rules one evaluation after that, so with 1 s scrapes and
   * evaluations this settles within seconds; the deadline is for slow machines.
   */
  private void checkEveryQueryHasData(String base, RunningScorer scorer, Path tmp) throws Exception {
    Map<String, String> queries = new LinkedHashMap<>();
    for (DashboardQueries.PanelQuery q : DashboardQueries.panelQueries()) {
      queries.put(q.expr(), "panel '" + q.panelTitle() + "' " + q.refId());
    }
    for (DashboardQueries.RecordingRule r : DashboardQueries.recordingRules()) {
      queries.putIfAbsent(r.expr(), "rule " + r.name());
      // The recorded series themselves: the rules file must load and be evaluated under this job.
      queries.putIfAbsent(r.name() + "{job=\"cae-stream\"}", "recorded series " + r.name());
    }
    assertThat(queries).hasSizeGreaterThan(30);
    assertThat(NEEDS_HISTORY.keySet()).as("allow-list entries are real queries").isSubsetOf(queries.keySet());

    Map<String, JsonNode> answers = new LinkedHashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(75);
    Set<String> missing = new LinkedHashSet<>(queries.keySet());
    while (true) {
      for (String q : new ArrayList<>(missing)) {
        JsonNode a = query(base, q);
        answers.put(q, a);
        if ("success".equals(a.path("status").asText()) && !a.path("data").path("result").isEmpty()) {
          missing.remove(q);
        }
      }
      missing.removeAll(NEEDS_HISTORY.keySet());
      if (missing.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    // Re-ask the allow-listed ones (they were dropped from the loop) so their status is checked.
    for (String q : NEEDS_HISTORY.keySet()) {
      answers.put(q, query(base, q));
    }

    List<String> failures = new ArrayList<>();
    queries.forEach((q, where) -> {
      JsonNode a = answers.get(q);
      if (!"success".equals(a.path("status").asText())) {
        failures.add(where + ": " + a.path("errorType").asText() + " " + a.path("error").asText() + "\n    " + q);
      } else if (a.path("data").path("result").isEmpty() && !NEEDS_HISTORY.containsKey(q)) {
        failures.add(where + ": no data\n    " + q);
      }
    });
    assertThat(failures)
        .as("queries without data after %d images (scorer processed %d); prometheus log:%n%s",
            scorer.fed.get(), scorer.processed(), log(tmp))
        .isEmpty();

    // A few values must also be right, not just present.
    assertThat(scalar(base, "sum(instance:cae_images:rate5m{job=\"cae-stream\"})")).as("images/s").isPositive();
    assertThat(scalar(base, "sum(instance:cae_images_scored:rate5m{job=\"cae-stream\"})")).as("scored/s").isPositive();
    assertThat(scalar(base, "sum(job:cae_rejected_images:rate5m{job=\"cae-stream\"})")).as("dead letters/s").isPositive();
    assertThat(scalar(base, "job:cae_anomaly_threshold:max{job=\"cae-stream\"}"))
        .isEqualTo(scorer.app.engine().scorer().settings().threshold());
    double p50 = scalar(base, "max(instance:cae_reconstruction_error:p50_5m{job=\"cae-stream\"})");
    assertThat(p50).as("median reconstruction error is a score, not a bucket artefact")
        .isPositive()
        .isLessThan(scorer.app.engine().scorer().settings().threshold() * 2);
    assertThat(scalar(base, "count(up{job=\"cae-stream\"} == 1)")).isEqualTo(1.0);
  }

  private JsonNode query(String base, String promql) throws Exception {
    String url = base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    HttpResponse<String> r = get(url);
    return json.readTree(r.body());
  }

  private double scalar(String base, String promql) throws Exception {
    JsonNode result = query(base, promql).path("data").path("result");
    assertThat(result).as("result of %s", promql).hasSize(1);
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String log(Path tmp) {
    try {
      String s = Files.readString(tmp.resolve("prometheus.log"), StandardCharsets.UTF_8);
      return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
