package io.caestream.bench;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.caestream.stream.StreamsSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings to compare in one {@code bench} run ({@code --vary KEY=V1,V2,...}): the Kafka stages
 * run once per value, alternating within each round, so that every value meets the same machine.
 * Runs minutes apart on a shared 2-core machine differ by more than most settings do.
 */
public record Variants(String key, List<String> values) {
  public Variants {
    values = List.copyOf(values);
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values to compare");
    }
  }

  /** No comparison: the configuration as given. */
  public static final Variants NONE = new Variants("", List.of(""));

  /** One configuration of the comparison; {@code label} is {@code key=value}, or null for {@link #NONE}. */
  public record Variant(String label, CaeConfig config) {}

  /** {@code KEY=V1,V2,...}; the key and every value are checked when applied to a configuration. */
  public static Variants parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new IllegalArgumentException("expected KEY=VALUE1,VALUE2,..., e.g. kafka.commit.interval.ms=50,100: " + text);
    }
    List<String> values = new ArrayList<>();
    for (String v : text.substring(eq + 1).split(",")) {
      if (!v.isBlank()) {
        values.add(v.trim());
      }
    }
    return new Variants(text.substring(0, eq).trim(), values);
  }

  /**
   * The configurations to run, in order.
   *
   * @throws ConfigException naming the key when the key or a value is not valid
   */
  public List<Variant> apply(CaeConfig config) {
    if (key.isEmpty()) {
      return List.of(new Variant(null, config));
    }
    List<Variant> out = new ArrayList<>();
    for (String v : values) {
      CaeConfig c = config.with(Map.of(key, v));
      if (key.startsWith(CaeConfig.KAFKA_PREFIX)) {
        // Kafka's own settings are checked when Streams is configured; do it now, not a stage later.
        StreamsSettings.of(c.with(Map.of(CaeConfig.KAFKA_PREFIX + "bootstrap.servers", "localhost:9092")));
      }
      out.add(new Variant(key + "=" + v, c));
    }
    return out;
  }
}
