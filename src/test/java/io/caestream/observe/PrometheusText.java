package io.caestream.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small reader of the Prometheus text exposition format (and the sample lines of OpenMetrics),
 * enough for tests to look at samples by name and labels instead of grepping strings.
 */
final class PrometheusText {
  /** One sample line: {@code name{labels} value}. */
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String key) {
      return labels.get(key);
    }
  }

  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\S+)?$");
  private static final Pattern LABEL =
      Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  static PrometheusText parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        throw new AssertionError("not a sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null && !m.group(2).isBlank()) {
        Matcher l = LABEL.matcher(m.group(2));
        int end = 0;
        while (l.find() && l.start() == end) {
          labels.put(l.group(1), unescape(l.group(2)));
          end = l.end();
        }
        if (end != m.group(2).length()) {
          throw new AssertionError("bad labels in: " + line);
        }
      }
      out.add(new Sample(m.group(1), labels, value(m.group(3))));
    }
    return new PrometheusText(out);
  }

  /** An {@code le} label value as a number. */
  static double parseLe(String le) {
    return value(le);
  }

  private static double value(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static String unescape(String s) {
    return s.replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\");
  }

  List<Sample> samples() {
    return samples;
  }

  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  Set<String> names() {
    Set<String> out = new LinkedHashSet<>();
    samples.forEach(s -> out.add(s.name()));
    return out;
  }

  /** The one sample with this name whose labels include {@code labels} (key, value, ...). */
  Optional<Sample> find(String name, String... labels) {
    List<Sample> hits = samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> {
          for (int i = 0; i + 1 < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
              return false;
            }
          }
          return true;
        })
        .toList();
    if (hits.size() > 1) {
      throw new AssertionError("more than one sample " + name + " " + List.of(labels) + ": " + hits);
    }
    return hits.stream().findFirst();
  }

  /** The value of {@link #find}, failing when there is no such sample. */
  double value(String name, String... labels) {
    return find(name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labels)))
        .value();
  }
}
