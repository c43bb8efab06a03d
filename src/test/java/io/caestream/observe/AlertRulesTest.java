package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.caestream.observe.DashboardQueries.AlertRule;
import io.caestream.observe.DashboardQueries.RecordingRule;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus rules in {@code deploy/prometheus}: valid for promtool, their unit tests pass,
 * and every alert is complete (labels, annotations, runbook, firing and quiet test cases).
 */
class AlertRulesTest {
  static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
  static final String RUNBOOK_URL =
      "https://github.com/cae-stream/cae-stream/blob/main/README.md#runbook-";

  /** The cae_ series the scorer exports (DESIGN.md, "Metrics", as Micrometer names them). */
  static final Set<String> CAE_METRICS =
      Set.of(
          "cae_images_total",
          "cae_rejected_images_total",
          "cae_reconstruction_error_bucket",
          "cae_reconstruction_error_sum",
          "cae_reconstruction_error_count",
          "cae_inference_seconds_bucket",
          "cae_inference_seconds_sum",
          "cae_inference_seconds_count",
          "cae_inference_seconds_max",
          "cae_batch_size_bucket",
          "cae_batch_size_sum",
          "cae_batch_size_count",
          "cae_batch_size_max",
          "cae_scoring_latency_seconds_bucket",
          "cae_scoring_latency_seconds_sum",
          "cae_scoring_latency_seconds_count",
          "cae_scoring_latency_seconds_max",
          "cae_anomaly_threshold",
          "cae_model_info",
          "cae_model_reloads_total");

  /** Exported only for models with a shadow (ShadowModelIntegrationTest scrapes them). */
  static final Set<String> SHADOW_METRICS =
      Set.of("cae_shadow_comparisons_total", "cae_shadow_agreement", "cae_shadow_score_correlation");

  @Test
  void promtoolAcceptsTheRules() {
    Result r = promtool("check", "rules", root().resolve(DashboardQueries.RULES).toString());
    assertThat(r.exit()).as("promtool check rules:%n%s", r.output()).isZero();
  }

  @Test
  void promtoolUnitTestsPass() {
    Result r = promtool("test", "rules", root().resolve(DashboardQueries.RULES_TEST).toString());
    assertThat(r.exit()).as("promtool test rules:%n%s", r.output()).isZero();
  }

  @Test
  void everyAlertHasSeveritySummaryDescriptionAndRunbook() {
    List<AlertRule> alerts = DashboardQueries.alertRules();
    assertThat(alerts).isNotEmpty();
    for (AlertRule a : alerts) {
      assertThat(a.name()).as("alert name").matches("Cae[A-Z][A-Za-z]+");
      assertThat(a.labels().get("severity"))
          .as("%s: labels.severity", a.name())
          .isIn(SEVERITIES);
      assertThat(a.annotations().get("summary")).as("%s: summary", a.name()).isNotBlank();
      assertThat(a.annotations().get("description")).as("%s: description", a.name()).isNotBlank();
      assertThat(a.annotations().get("runbook_url"))
          .as("%s: runbook_url", a.name())
          .isEqualTo(RUNBOOK_URL + a.name().toLowerCase(Locale.ROOT));
      assertThat(a.forDuration()).as("%s: for", a.name()).isNotBlank();
    }
  }

  @Test
  void alertsSharingANameAreToldApartByLabels() {
    Map<String, List<Map<String, String>>> byName = new TreeMap<>();
    for (AlertRule a : DashboardQueries.alertRules()) {
      byName.computeIfAbsent(a.name(), k -> new ArrayList<>()).add(a.labels());
    }
    byName.forEach(
        (name, labelSets) ->
            assertThat(new HashSet<>(labelSets))
                .as("%s: each rule of this name needs its own labels (e.g. cause)", name)
                .hasSameSizeAs(labelSets));
  }

  @Test
  void everyAlertHasAFiringAndAQuietUnitTest() {
    Map<String, int[]> cases = new LinkedHashMap<>(); // name -> {firing, quiet}
    for (Map<String, Object> test : list(testFile().get("tests"))) {
      for (Map<String, Object> c : list(test.get("alert_rule_test"))) {
        String name = (String) c.get("alertname");
        List<Map<String, Object>> expected = list(c.get("exp_alerts"));
        int[] counts = cases.computeIfAbsent(name, k -> new int[2]);
        counts[expected.isEmpty() ? 1 : 0]++;
        for (Map<String, Object> alert : expected) {
          assertThat(alert)
              .as("%s: a firing case names exact labels and annotations", name)
              .containsKeys("exp_labels", "exp_annotations");
        }
      }
    }
    for (String name : DashboardQueries.alertNames()) {
      int[] counts = cases.getOrDefault(name, new int[2]);
      assertThat(counts[0]).as("%s: test cases where it fires", name).isPositive();
      assertThat(counts[1]).as("%s: test cases where it must not fire", name).isPositive();
    }
    assertThat(cases.keySet())
        .as("alert names in the unit tests that the rules do not define")
        .isSubsetOf(DashboardQueries.alertNames());
  }

  @Test
  void everyAlertHasARunbookSection() throws IOException {
    String runbook =
        Files.readString(root().resolve(DashboardQueries.RUNBOOK), StandardCharsets.UTF_8);
    Set<String> sections = new HashSet<>();
    Matcher m = Pattern.compile("(?m)^### Runbook: (\\S+)\\s*$").matcher(runbook);
    while (m.find()) {
      sections.add(m.group(1));
    }
    assertThat(sections)
        .as("'### Runbook: <AlertName>' sections in README.md (anchor #runbook-<alertname>)")
        .containsExactlyInAnyOrderElementsOf(DashboardQueries.alertNames());
  }

  @Test
  void recordingRulesFollowTheNamingConventionAndAreUnique() {
    List<RecordingRule> rules = DashboardQueries.recordingRules();
    assertThat(rules).isNotEmpty();
    Set<String> seen = new HashSet<>();
    for (RecordingRule r : rules) {
      assertThat(r.name()).as("level:metric:operations").matches("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+");
      assertThat(seen.add(r.name())).as("%s defined twice", r.name()).isTrue();
    }
  }

  @Test
  void rulesOnlyReadExportedMetricsAndEarlierRecordingRules() {
    Set<String> defined = new HashSet<>();
    for (RecordingRule r : DashboardQueries.recordingRules()) {
      assertKnown(r.name(), r.expr(), defined);
      defined.add(r.name());
    }
    for (AlertRule a : DashboardQueries.alertRules()) {
      assertKnown(a.name(), a.expr(), defined);
    }
  }

  /** Raw metrics are always selected with job="cae-stream", the job the rules are written for. */
  @Test
  void rulesSelectRawMetricsOfTheCaeStreamJob() {
    Pattern raw =
        Pattern.compile(
            "(?<![A-Za-z0-9_:])((?:cae|kafka|jvm)_[A-Za-z0-9_]+|up)(?![A-Za-z0-9_:(])(\\{[^}]*})?");
    List<String> exprs = new ArrayList<>(DashboardQueries.recordingRuleExprs());
    DashboardQueries.alertRules().forEach(a -> exprs.add(a.expr()));
    for (String expr : exprs) {
      Matcher m = raw.matcher(expr);
      while (m.find()) {
        assertThat(m.group(2))
            .as("selector of %s in %s", m.group(1), expr)
            .isNotNull()
            .contains("job=\"cae-stream\"");
      }
    }
  }

  static void assertKnown(String where, String expr, Set<String> recordingRules) {
    for (String name : DashboardQueries.metricNames(expr)) {
      boolean ok =
          recordingRules.contains(name)
              || CAE_METRICS.contains(name)
              || SHADOW_METRICS.contains(name)
              || name.equals("up")
              || name.startsWith("kafka_")
              || name.startsWith("jvm_");
      if (!ok) {
        fail(
            "%s reads %s, which is neither an exported metric nor a recording rule:%n%s",
            where, name, expr);
      }
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  record Result(int exit, String output) {}

  static Path root() {
    return DashboardQueries.root();
  }

  /** Runs promtool (skipped locally, failed in CI when it is not installed). */
  static Result promtool(String... args) {
    Path tool = ExternalTool.require("promtool");
    List<String> cmd = new ArrayList<>();
    cmd.add(tool.toString());
    cmd.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(cmd).directory(root().toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("%s timed out", cmd);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + cmd, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> testFile() {
    return (Map<String, Object>)
        DashboardQueries.readYaml(root().resolve(DashboardQueries.RULES_TEST));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return o == null ? List.of() : (List<Map<String, Object>>) o;
  }
}
