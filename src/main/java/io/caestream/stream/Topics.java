package io.caestream.stream;

import io.caestream.config.CaeConfig;
import java.util.List;

/** The four topics of the product. */
public record Topics(String input, String scores, String anomalies, String deadLetters) {
  public static Topics from(CaeConfig c) {
    return new Topics(c.string(CaeConfig.INPUT_TOPIC), c.string(CaeConfig.SCORES_TOPIC),
        c.string(CaeConfig.ANOMALIES_TOPIC), c.string(CaeConfig.DLQ_TOPIC));
  }

  public List<String> all() {
    return List.of(input, scores, anomalies, deadLetters);
  }
}
