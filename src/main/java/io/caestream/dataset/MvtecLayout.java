package io.caestream.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile).filter(MvtecLayout::isImageFile)
              .filter(f -> !f.getFileName().toString().endsWith("_mask.png"))
              .sorted().forEach(out::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        out.add(p);
      }
    }
    return out;
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
