package io.caestream.scoring;

import java.nio.file.Path;
import java.util.Optional;

/** A test image with its label ("good" or a defect type) and its defect mask, if any. */
public record LabelledImage(Path file, String label, Optional<Path> mask) {
  public static final String GOOD = "good";

  public boolean anomalous() {
    return !GOOD.equals(label);
  }
}
