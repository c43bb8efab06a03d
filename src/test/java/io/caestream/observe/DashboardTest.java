package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.caestream.observe.DashboardQueries.PanelQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Grafana dashboard {@code deploy/grafana/cae-stream.json}. */
class DashboardTest {
  static final String DS_UID = "${datasource}";

  static final List<String> REQUIRED_PANELS =
      List.of(
          "Images/s by outcome",
          "Anomaly rate",
          "Reconstruction error p50 / p90 / p99",
          "Reconstruction error distribution",
          "Inference latency per batch p50 / p99",
          "End-to-end scoring latency p50 / p99",
          "Batch size",
          "Dead letters by reason",
          "Consumer lag",
          "Model",
          "JVM heap",
          "GC pauses");

  @Test
  void isAnImportableDashboard() {
    JsonNode d = DashboardQueries.dashboard();
    assertThat(d.path("title").asText()).isEqualTo("cae-stream");
    assertThat(d.path("uid").asText()).isEqualTo("cae-stream");
    assertThat(d.path("schemaVersion").asInt()).isBetween(36, 41);
    assertThat(d.path("id").isNull()).as("id must be null so that import creates it").isTrue();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : allPanels(d.path("panels"))) {
      assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
      JsonNode g = p.path("gridPos");
      assertThat(g.path("w").asInt()).as("%s width", p.path("title")).isBetween(1, 24);
      assertThat(g.path("x").asInt() + g.path("w").asInt()).isLessThanOrEqualTo(24);
      assertThat(g.path("h").asInt()).isPositive();
    }
  }

  @Test
  void panelsDoNotOverlap() {
    List<JsonNode> panels = allPanels(DashboardQueries.dashboard().path("panels"));
    for (int i = 0; i < panels.size(); i++) {
      for (int j = i + 1; j < panels.size(); j++) {
        JsonNode a = panels.get(i).path("gridPos");
        JsonNode b = panels.get(j).path("gridPos");
        boolean overlap =
            a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
        assertThat(overlap)
            .as("%s overlaps %s", panels.get(i).path("title"), panels.get(j).path("title"))
            .isFalse();
      }
    }
  }

  @Test
  void hasAPrometheusDatasourceVariableThatEveryQueryUses() {
    JsonNode ds = variable("datasource");
    assertThat(ds.path("type").asText()).isEqualTo("datasource");
    assertThat(ds.path("query").asText()).isEqualTo("prometheus");
    for (JsonNode p : DashboardQueries.panels()) {
      assertThat(p.path("datasource").path("uid").asText())
          .as("%s datasource", p.path("title"))
          .isEqualTo(DS_UID);
      for (JsonNode t : p.path("targets")) {
        assertThat(t.path("datasource").path("uid").asText())
            .as("%s/%s datasource", p.path("title"), t.path("refId"))
            .isEqualTo(DS_UID);
      }
    }
  }

  @Test
  void hasAnInstanceVariableFromModelInfo() {
    JsonNode v = variable("instance");
    assertThat(v.path("type").asText()).isEqualTo("query");
    assertThat(v.path("datasource").path("uid").asText()).isEqualTo(DS_UID);
    JsonNode q = v.path("query");
    String query = q.isTextual() ? q.asText() : q.path("query").asText();
    assertThat(query).isEqualTo("label_values(cae_model_info, instance)");
    assertThat(v.path("includeAll").asBoolean()).isTrue();
    assertThat(v.path("allValue").asText()).isEqualTo(".+");
  }

  @Test
  void hasAModelVariableThatRawModelSeriesFollow() {
    JsonNode v = variable("model");
    JsonNode q = v.path("query");
    assertThat(q.isTextual() ? q.asText() : q.path("query").asText())
        .isEqualTo("label_values(cae_model_info{instance=~\"$instance\"}, model)");
    assertThat(v.path("includeAll").asBoolean()).isTrue();
    assertThat(v.path("allValue").asText()).isEqualTo(".+");
    for (PanelQuery pq : DashboardQueries.panelQueries()) {
      if (DashboardQueries.metricNames(pq.rawExpr()).stream().anyMatch(n -> n.startsWith("cae_"))) {
        assertThat(pq.rawExpr()).as("%s/%s filters by model", pq.panelTitle(), pq.refId())
            .contains("model=~\"$model\"");
      }
    }
    assertThat(DashboardQueries.panelQueries()).as("a panel of reloads")
        .anyMatch(pq -> pq.rawExpr().contains("cae_model_reloads_total") && pq.rawExpr().contains("result"));
    assertThat(DashboardQueries.panelQueries()).as("a shadow-agreement panel: agreement and score correlation")
        .anyMatch(pq -> pq.panelTitle().equals("Shadow agreement") && pq.rawExpr().contains("cae_shadow_agreement"))
        .anyMatch(pq -> pq.panelTitle().equals("Shadow agreement")
            && pq.rawExpr().contains("cae_shadow_score_correlation"));
  }

  @Test
  void hasTheRequiredPanels() {
    List<String> titles =
        DashboardQueries.panels().stream().map(p -> p.path("title").asText()).toList();
    assertThat(titles).containsAll(REQUIRED_PANELS);
    assertThat(new HashSet<>(titles)).as("panel titles are unique").hasSameSizeAs(titles);
    for (JsonNode p : DashboardQueries.panels()) {
      assertThat(p.path("targets").size()).as("%s has queries", p.path("title")).isPositive();
    }
  }

  @Test
  void keyPanelsShowWhatTheyPromise() {
    assertThat(exprsOf("Reconstruction error p50 / p90 / p99"))
        .as("threshold drawn with the quantiles")
        .anyMatch(e -> e.contains("cae_anomaly_threshold"))
        .anyMatch(e -> e.contains(":p50_5m"))
        .anyMatch(e -> e.contains(":p90_5m"))
        .anyMatch(e -> e.contains(":p99_5m"));
    JsonNode heatmap = panel("Reconstruction error distribution");
    assertThat(heatmap.path("type").asText()).isEqualTo("heatmap");
    assertThat(heatmap.path("targets").get(0).path("format").asText()).isEqualTo("heatmap");
    assertThat(exprsOf("Reconstruction error distribution"))
        .allMatch(e -> e.contains("cae_reconstruction_error_bucket") && e.contains("by (le)"));
    JsonNode model = panel("Model");
    assertThat(model.path("type").asText()).isEqualTo("table");
    assertThat(exprsOf("Model"))
        .anyMatch(
            e ->
                e.contains("cae_model_info")
                    && e.contains("model")
                    && e.contains("version")
                    && e.contains("provider"));
    assertThat(exprsOf("Dead letters by reason")).allMatch(e -> e.contains("by (reason)"));
    assertThat(exprsOf("Images/s by outcome")).allMatch(e -> e.contains("by (outcome)"));
  }

  @Test
  void queriesReadOnlyExportedMetricsAndRecordingRules() {
    Set<String> rules = DashboardQueries.recordingRuleNames();
    List<PanelQuery> queries = DashboardQueries.panelQueries();
    assertThat(queries).isNotEmpty();
    for (PanelQuery q : queries) {
      assertThat(q.rawExpr()).as("%s/%s expr", q.panelTitle(), q.refId()).isNotBlank();
      assertThat(q.expr()).as("variables left in %s", q.expr()).doesNotContain("$");
      assertThat(DashboardQueries.metricNames(q.expr()))
          .as("%s/%s reads something", q.panelTitle(), q.refId())
          .isNotEmpty();
      AlertRulesTest.assertKnown(q.panelTitle() + "/" + q.refId(), q.expr(), rules);
    }
  }

  @Test
  void queriesOnCaeSeriesFollowTheInstanceVariable() {
    for (PanelQuery q : DashboardQueries.panelQueries()) {
      boolean caeSeries =
          DashboardQueries.metricNames(q.rawExpr()).stream()
              .anyMatch(
                  n ->
                      n.startsWith("cae_")
                          || n.contains(":cae_")
                          || n.startsWith("kafka_")
                          || n.startsWith("jvm_"));
      if (caeSeries) {
        assertThat(q.rawExpr())
            .as("%s/%s filters by instance", q.panelTitle(), q.refId())
            .contains("instance=~\"$instance\"");
      }
    }
  }

  /** Every panel query is valid PromQL: promtool checks them as recording rules. */
  @Test
  void promtoolParsesEveryPanelQuery(@TempDir Path tmp) throws IOException {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
    List<String> exprs = DashboardQueries.panelExprs();
    for (int i = 0; i < exprs.size(); i++) {
      rules.append("      - record: dashboard:query_").append(i).append(":check\n");
      rules.append("        expr: '").append(exprs.get(i).replace("'", "''")).append("'\n");
    }
    Path file = tmp.resolve("dashboard-queries.rules.yaml");
    Files.writeString(file, rules, StandardCharsets.UTF_8);
    AlertRulesTest.Result r = AlertRulesTest.promtool("check", "rules", file.toString());
    assertThat(r.exit())
        .as("promtool check rules on the panel queries:%n%s%n%s", r.output(), rules)
        .isZero();
  }

  @Test
  void metricNameExtractionSkipsLabelsFunctionsAndKeywords() {
    assertThat(
            DashboardQueries.metricNames(
                "histogram_quantile(0.99, sum by (instance, le) (rate("
                    + "cae_batch_size_bucket{instance=~\"$instance\"}[$__rate_interval])))"
                    + " / on (job) group_left(version) instance:cae_batch_size:mean5m"
                    + " > bool 1e-9 unless up offset 5m"))
        .containsExactly("cae_batch_size_bucket", "instance:cae_batch_size:mean5m", "up");
  }

  // ------------------------------------------------------------------------------------ helpers

  private static JsonNode variable(String name) {
    JsonNode list = DashboardQueries.dashboard().path("templating").path("list");
    return StreamSupport.stream(list.spliterator(), false)
        .filter(v -> name.equals(v.path("name").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no template variable " + name));
  }

  private static JsonNode panel(String title) {
    return DashboardQueries.panels().stream()
        .filter(p -> title.equals(p.path("title").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no panel " + title));
  }

  private static List<String> exprsOf(String title) {
    return DashboardQueries.panelQueries().stream()
        .filter(q -> q.panelTitle().equals(title))
        .map(PanelQuery::rawExpr)
        .toList();
  }

  private static List<JsonNode> allPanels(JsonNode panels) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : panels) {
      out.add(p);
      out.addAll(allPanels(p.path("panels")));
    }
    return out;
  }
}
