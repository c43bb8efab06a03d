package io.caestream.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which normal images calibrate a model. Preferred: the training run's held-out validation files
 * ({@code <model>.split.json}, written by training/train.py), normal images the model never
 * trained on and that the test set does not contain. Otherwise {@code test/good}.
 */
public final class CalibrationImages {
  private CalibrationImages() {}

  /** The files, and where they came from (for the report). */
  public record Choice(List<Path> files, String origin) {}

  public static Choice choose(Path data, Path model) throws IOException {
    MvtecLayout layout = new MvtecLayout(data);
    if (model != null) {
      Path split = io.caestream.model.ModelSource.sideFile(model, ".split.json");
      if (Files.exists(split)) {
        JsonNode doc = new ObjectMapper().readTree(split.toFile());
        List<Path> files = new ArrayList<>();
        for (JsonNode n : doc.path("validation")) {
          Path f = layout.trainGood().resolve(n.asText());
          if (Files.exists(f)) {
            files.add(f);
          }
        }
        if (!files.isEmpty()) {
          return new Choice(files, "validation split of " + layout.trainGood() + " (" + split.getFileName() + ")");
        }
      }
    }
    return new Choice(MvtecLayout.imagesIn(layout.testDir(MvtecLayout.GOOD)), layout.testDir(MvtecLayout.GOOD).toString());
  }
}
