package io.caestream.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the PromQL that the Grafana dashboard ({@code deploy/grafana/cae-stream.json}) and the
 * Prometheus rules ({@code deploy/prometheus/cae-stream.rules.yaml}) run, so that tests can check
 * them statically or run them against a real Prometheus that scrapes a running scorer.
 *
 * <p>Panel expressions come back with Grafana's variables replaced by values Prometheus accepts:
 * {@code $instance} by {@code .+} (it is always used as {@code instance=~"$instance"}) and the
 * interval variables by {@code 1m}. Note that most panels read recording rules: against a real
 * server they only return data once the rules file is loaded and has been evaluated.
 */
public final class DashboardQueries {
  public static final Path DASHBOARD = Path.of("deploy", "grafana", "cae-stream.json");
  public static final Path RULES = Path.of("deploy", "prometheus", "cae-stream.rules.yaml");
  public static final Path RULES_TEST =
      Path.of("deploy", "prometheus", "cae-stream.rules.test.yaml");
  /** The README carries the runbook: alerts link to its {@code #runbook-<alert>} headings. */
  public static final Path RUNBOOK = Path.of("README.md");

  /** Grafana variable -> concrete value; longer names first so {@code $__rate_interval} wins. */
  public static final Map<String, String> VARIABLES = variables();

  /** One query of one panel. {@code expr} is substituted, {@code rawExpr} as in the JSON. */
  public record PanelQuery(String panelTitle, String refId, String rawExpr, String expr) {}

  /** One {@code record:} rule. */
  public record RecordingRule(String group, String name, String expr) {}

  /** One {@code alert:} rule; {@code forDuration} is null without {@code for:}. */
  public record AlertRule(
      String group,
      String name,
      String expr,
      String forDuration,
      Map<String, String> labels,
      Map<String, String> annotations) {}

  private DashboardQueries() {}

  private static Map<String, String> variables() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("${__rate_interval}", "1m");
    v.put("$__rate_interval", "1m");
    v.put("${__interval}", "1m");
    v.put("$__interval", "1m");
    v.put("${__range}", "1h");
    v.put("$__range", "1h");
    v.put("${instance}", ".+");
    v.put("$instance", ".+");
    v.put("${model}", ".+");
    v.put("$model", ".+");
    return Collections.unmodifiableMap(v);
  }

  /** Replaces the Grafana variables in {@code expr} (see {@link #VARIABLES}). */
  public static String substitute(String expr) {
    String out = expr;
    for (Map.Entry<String, String> e : VARIABLES.entrySet()) {
      out = out.replace(e.getKey(), e.getValue());
    }
    return out;
  }

  public static Path root() {
    return ExternalTool.projectRoot();
  }

  // ---------------------------------------------------------------------------------- dashboard

  public static JsonNode dashboard() {
    return readJson(root().resolve(DASHBOARD));
  }

  /** Every target of every panel (rows and nested panels included), in dashboard order. */
  public static List<PanelQuery> panelQueries() {
    List<PanelQuery> out = new ArrayList<>();
    collect(dashboard().path("panels"), out);
    return out;
  }

  /** The substituted expression of every panel target. */
  public static List<String> panelExprs() {
    return panelQueries().stream().map(PanelQuery::expr).toList();
  }

  /** Every panel (rows excluded, nested panels included). */
  public static List<JsonNode> panels() {
    List<JsonNode> out = new ArrayList<>();
    collectPanels(dashboard().path("panels"), out);
    return out;
  }

  private static void collectPanels(JsonNode panels, List<JsonNode> out) {
    for (JsonNode panel : panels) {
      if (!"row".equals(panel.path("type").asText())) {
        out.add(panel);
      }
      collectPanels(panel.path("panels"), out);
    }
  }

  private static void collect(JsonNode panels, List<PanelQuery> out) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String raw = target.path("expr").asText("");
        out.add(
            new PanelQuery(
                panel.path("title").asText(), target.path("refId").asText(), raw, substitute(raw)));
      }
      collect(panel.path("panels"), out);
    }
  }

  // -------------------------------------------------------------------------------------- rules

  public static List<RecordingRule> recordingRules() {
    List<RecordingRule> out = new ArrayList<>();
    for (Map<String, Object> group : groups()) {
      for (Map<String, Object> rule : rules(group)) {
        if (rule.containsKey("record")) {
          out.add(
              new RecordingRule(
                  (String) group.get("name"), (String) rule.get("record"), str(rule.get("expr"))));
        }
      }
    }
    return out;
  }

  /** The expression of every recording rule, in file order. */
  public static List<String> recordingRuleExprs() {
    return recordingRules().stream().map(RecordingRule::expr).toList();
  }

  public static Set<String> recordingRuleNames() {
    Set<String> out = new LinkedHashSet<>();
    recordingRules().forEach(r -> out.add(r.name()));
    return out;
  }

  /** Every alerting rule, in file order (an alert name can occur more than once). */
  public static List<AlertRule> alertRules() {
    List<AlertRule> out = new ArrayList<>();
    for (Map<String, Object> group : groups()) {
      for (Map<String, Object> rule : rules(group)) {
        if (rule.containsKey("alert")) {
          out.add(
              new AlertRule(
                  (String) group.get("name"),
                  (String) rule.get("alert"),
                  str(rule.get("expr")),
                  rule.get("for") == null ? null : String.valueOf(rule.get("for")),
                  stringMap(rule.get("labels")),
                  stringMap(rule.get("annotations"))));
        }
      }
    }
    return out;
  }

  /** The distinct alert names, in file order. */
  public static Set<String> alertNames() {
    Set<String> out = new LinkedHashSet<>();
    alertRules().forEach(a -> out.add(a.name()));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> groups() {
    Map<String, Object> doc = (Map<String, Object>) readYaml(root().resolve(RULES));
    return (List<Map<String, Object>>) doc.get("groups");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules(Map<String, Object> group) {
    return (List<Map<String, Object>>) group.get("rules");
  }

  // ------------------------------------------------------------------------------ metric names

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern BRACES = Pattern.compile("\\{[^}]*}");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  private static final Set<String> KEYWORDS =
      Set.of(
          "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
          "group_right", "inf", "nan", "atan2");

  /**
   * The metric names (and recording-rule names) a PromQL expression selects: identifiers that are
   * not label names, label values, functions, aggregations, keywords, durations or numbers.
   * Good enough for the expressions in this project; not a PromQL parser.
   */
  public static Set<String> metricNames(String promql) {
    String s = substitute(promql);
    s = STRING.matcher(s).replaceAll("\"\"");
    s = BRACES.matcher(s).replaceAll(" ");
    s = BRACKETS.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> out = new LinkedHashSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String token = m.group();
      int start = m.start();
      if (start > 0 && (Character.isDigit(s.charAt(start - 1)) || s.charAt(start - 1) == '.')) {
        continue; // 5m, 1e-9
      }
      if (KEYWORDS.contains(token.toLowerCase(Locale.ROOT))) {
        continue;
      }
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      if (next < s.length() && s.charAt(next) == '(') {
        continue; // function or aggregation
      }
      out.add(token);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------ reading

  static JsonNode readJson(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Object readYaml(Path file) {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o).strip();
  }

  private static Map<String, String> stringMap(Object o) {
    Map<String, String> out = new LinkedHashMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
    }
    return out;
  }
}
