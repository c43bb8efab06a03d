package io.caestream.stream;

import io.caestream.config.CaeConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The topics of the product; {@code maps} (heatmap PNGs of anomalous images) is empty when
 * {@code maps.topic} is off; {@code shadow} (shadow models' score events) is empty unless models
 * come from a repository, the only place a shadow can live.
 */
public record Topics(String input, String scores, String anomalies, String deadLetters, String maps,
    String shadow) {
  public Topics(String input, String scores, String anomalies, String deadLetters) {
    this(input, scores, anomalies, deadLetters, "", "");
  }

  public Topics(String input, String scores, String anomalies, String deadLetters, String maps) {
    this(input, scores, anomalies, deadLetters, maps, "");
  }

  public static Topics from(CaeConfig c) {
    return new Topics(c.string(CaeConfig.INPUT_TOPIC), c.string(CaeConfig.SCORES_TOPIC),
        c.string(CaeConfig.ANOMALIES_TOPIC), c.string(CaeConfig.DLQ_TOPIC), c.string(CaeConfig.MAPS_TOPIC),
        c.string(CaeConfig.MODEL_REPOSITORY).isEmpty() ? "" : c.string(CaeConfig.SHADOW_TOPIC));
  }

  public boolean mapsEnabled() {
    return !maps.isEmpty();
  }

  public boolean shadowEnabled() {
    return !shadow.isEmpty();
  }

  public List<String> all() {
    List<String> out = new ArrayList<>(List.of(input, scores, anomalies, deadLetters));
    if (mapsEnabled()) {
      out.add(maps);
    }
    if (shadowEnabled()) {
      out.add(shadow);
    }
    return List.copyOf(out);
  }
}
