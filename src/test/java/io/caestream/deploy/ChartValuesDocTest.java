package io.caestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every value in values.yaml is documented with a bitnami-style {@code ## @param} line, described
 * in values.schema.json, and listed in the chart README; no documentation names a value that is
 * gone.
 */
class ChartValuesDocTest {

  static final Path CHART = ExternalTool.projectRoot().resolve("helm/cae-stream");
  static final Pattern PARAM = Pattern.compile("^\\s*## @param (\\S+)", Pattern.MULTILINE);

  static Map<String, Object> values;
  static Set<String> params;
  static JsonNode schema;

  @BeforeAll
  static void load() throws IOException {
    String text = Files.readString(CHART.resolve("values.yaml"));
    values = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    params = new LinkedHashSet<>();
    Matcher m = PARAM.matcher(text);
    while (m.find()) {
      params.add(m.group(1));
    }
    schema = new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile());
  }

  @Test
  void everyValueHasAParamLine() {
    List<String> undocumented = new ArrayList<>();
    walk("", values, undocumented);
    assertThat(undocumented).as("values without a '## @param' line").isEmpty();
    assertThat(params).hasSizeGreaterThan(50);
  }

  @SuppressWarnings("unchecked")
  private static void walk(String prefix, Map<String, Object> node, List<String> undocumented) {
    for (Map.Entry<String, Object> e : node.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (params.contains(path)) {
        continue;
      }
      if (e.getValue() instanceof Map<?, ?> child && !child.isEmpty()) {
        walk(path, (Map<String, Object>) child, undocumented);
      } else {
        undocumented.add(path);
      }
    }
  }

  @Test
  void everyParamLineNamesAnExistingValue() {
    List<String> stale = new ArrayList<>();
    for (String p : params) {
      Object cur = values;
      for (String segment : p.split("\\.")) {
        cur = cur instanceof Map<?, ?> m && m.containsKey(segment) ? m.get(segment) : Missing.VALUE;
      }
      if (cur == Missing.VALUE) {
        stale.add(p);
      }
    }
    assertThat(stale).as("'## @param' lines naming no value").isEmpty();
  }

  @Test
  void everyParamIsInTheSchema() {
    assertThat(schema.path("additionalProperties").asBoolean(true)).as("top level closed").isFalse();
    List<String> missing = new ArrayList<>();
    for (String p : params) {
      JsonNode cur = schema;
      for (String segment : p.split("\\.")) {
        cur = cur.path("properties").path(segment);
      }
      if (cur.isMissingNode() || !(cur.has("type") || cur.has("anyOf"))) {
        missing.add(p);
      }
    }
    assertThat(missing).as("values the schema does not describe").isEmpty();
  }

  @Test
  void readmeListsEveryParam() throws IOException {
    String readme = Files.readString(CHART.resolve("README.md"));
    List<String> missing = params.stream().filter(p -> !readme.contains("`" + p + "`")).toList();
    assertThat(missing).as("values missing from helm/cae-stream/README.md").isEmpty();
  }

  private enum Missing {
    VALUE
  }
}
