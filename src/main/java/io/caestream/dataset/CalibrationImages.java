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
 * trained on and that the test set does not contain; the per-pixel normalization is then
 * estimated on the training files (plenty, and disjoint from the threshold images). Otherwise
 * the images of {@code test/good} (or a folder) are split alternately between the two.
 */
public final class CalibrationImages {
  private CalibrationImages() {}

  /**
   * The threshold files, the files for the per-pixel normalization (empty: none), and where they
   * came from (for the report).
   */
  public record Choice(List<Path> files, List<Path> normalization, String origin) {}

  /** Fewest images a per-pixel mean and std are estimated from. */
  static final int MIN_NORMALIZATION_IMAGES = 20;
  /** More add little to a per-pixel mean and std and cost calibration time. */
  static final int MAX_NORMALIZATION_IMAGES = 500;

  /** Images of a folder, alternately for the threshold and the normalization (when enough). */
  public static Choice alternate(List<Path> images, String origin) {
    if (images.size() < 2 * MIN_NORMALIZATION_IMAGES) {
      return new Choice(images, List.of(), origin);
    }
    List<Path> threshold = new ArrayList<>();
    List<Path> normalization = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      (i % 2 == 0 ? threshold : normalization).add(images.get(i));
    }
    return new Choice(threshold, evenly(normalization), origin + " (every other image for the per-pixel normalization)");
  }

  private static List<Path> evenly(List<Path> files) {
    if (files.size() <= MAX_NORMALIZATION_IMAGES) {
      return files;
    }
    List<Path> out = new ArrayList<>(MAX_NORMALIZATION_IMAGES);
    for (int i = 0; i < MAX_NORMALIZATION_IMAGES; i++) {
      out.add(files.get((int) ((long) i * files.size() / MAX_NORMALIZATION_IMAGES)));
    }
    return out;
  }

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
          List<Path> rest = new ArrayList<>(MvtecLayout.imagesIn(layout.trainGood()));
          rest.removeAll(files);
          return new Choice(files, rest.size() >= MIN_NORMALIZATION_IMAGES ? evenly(rest) : List.of(),
              "validation split of " + layout.trainGood() + " (" + split.getFileName() + ")");
        }
      }
    }
    return alternate(MvtecLayout.imagesIn(layout.testDir(MvtecLayout.GOOD)), layout.testDir(MvtecLayout.GOOD).toString());
  }
}
