package io.caestream.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import io.caestream.scoring.LabelledImage;
import java.util.stream.Stream;

/**
 * The MVTec AD folder layout: {@code train/good}, {@code test/good}, {@code test/<defect>} and
 * {@code ground_truth/<defect>/<name>_mask.png}. Everything in cae-stream reads and writes this
 * one layout, so real MVTec data, a user's own folders and generated sets are interchangeable.
 */
public final class MvtecLayout {
  public static final String GOOD = LabelledImage.GOOD;

  private final Path root;

  public MvtecLayout(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path trainGood() {
    return root.resolve("train").resolve(GOOD);
  }

  public Path testDir(String label) {
    return root.resolve("test").resolve(label);
  }

  public Path maskFile(String label, String imageFileName) {
    String stem = imageFileName.replaceFirst("\\.[^.]+$", "");
    return root.resolve("ground_truth").resolve(label).resolve(stem + "_mask.png");
  }

  /** All images of {@code test/}, each labelled by its folder, with masks where they exist. */
  public List<LabelledImage> testImages() {
    Path test = root.resolve("test");
    if (!Files.isDirectory(test)) {
      throw new IllegalArgumentException("not an MVTec-layout folder (no test/ folder): " + root);
    }
    List<LabelledImage> out = new ArrayList<>();
    for (Path dir : sortedChildren(test)) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      String label = dir.getFileName().toString();
      for (Path f : imagesIn(dir)) {
        Path mask = maskFile(label, f.getFileName().toString());
        out.add(new LabelledImage(f, label, Files.exists(mask) ? Optional.of(mask) : Optional.empty()));
      }
    }
    return out;
  }

  /** Image files directly in a folder, sorted by name. */
  public static List<Path> imagesIn(Path dir) {
    return sortedChildren(dir).stream().filter(MvtecLayout::isImageFile).toList();
  }

  /** Expands files and folders (recursively) into the image files they hold, in a stable order. */
  public static List<Path> expand(List<Path> paths) {
    return select(paths, false).files();
  }

  /** Why a file in a folder was left out. */
  public static final String NOT_AN_IMAGE_NAME = "not an image file name (.png .jpg .jpeg .bmp)";
  public static final String MASK = "a ground-truth mask (*_mask.png)";

  /** The files kept, and how many were left out for each reason (in the order first met). */
  public record Selection(List<Path> files, Map<String, Integer> skipped) {
    public int skippedCount() {
      return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Expands files and folders (recursively, sorted) into files. Files named on their own are
   * always kept; in folders, {@code all} keeps every regular file (the scorer then decides what
   * is an image), otherwise image file names only, without masks.
   */
  public static Selection select(List<Path> paths, boolean all) {
    List<Path> out = new ArrayList<>();
    Map<String, Integer> skipped = new LinkedHashMap<>();
    for (Path p : paths) {
      if (!Files.isDirectory(p)) {
        out.add(p);
        continue;
      }
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
          String why = all ? null : !isImageFile(f) ? NOT_AN_IMAGE_NAME
              : f.getFileName().toString().endsWith("_mask.png") ? MASK : null;
          if (why == null) {
            out.add(f);
          } else {
            skipped.merge(why, 1, Integer::sum);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Selection(List.copyOf(out), Collections.unmodifiableMap(skipped));
  }

  public static boolean isImageFile(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp");
  }

  private static List<Path> sortedChildren(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
