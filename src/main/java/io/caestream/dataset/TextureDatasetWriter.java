package io.caestream.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.caestream.dataset.TextureBenchmark.Crop;
import io.caestream.dataset.TextureBenchmark.Split;
import io.caestream.dataset.TextureDefects.Defect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Writes the texture benchmark: one MVTec-layout folder per surface ({@code OUT/<surface>/train,
 * test, ground_truth}), a {@code crops.csv} per surface with where every crop was cut from, and
 * {@code OUT/textures.json} describing the surfaces and their bands.
 */
public final class TextureDatasetWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final TexturePack pack;
  private final int size;
  private final long seed;

  public TextureDatasetWriter(TexturePack pack, int size, long seed) {
    this.pack = pack;
    this.size = size;
    this.seed = seed;
  }

  /** What {@code textures.json} says about one surface. */
  public record SurfaceEntry(String name, String kind, String description, String source, int width,
      int height, TextureBenchmark.Band trainBand, TextureBenchmark.Band testBand, int train,
      int testGood, Map<String, Integer> testDefective) {}

  /** The manifest, {@code textures.json}. */
  public record Manifest(String pack, long seed, int size, List<SurfaceEntry> surfaces) {}

  /**
   * Writes {@code train} normal training crops and {@code test} test crops per surface, half of
   * them normal and the rest spread evenly over the defect kinds, each defect with its mask.
   * {@code progress} gets the number of images written so far over all surfaces.
   */
  public Manifest write(Path out, List<TextureSurface> surfaces, int train, int test,
      IntConsumer progress) throws IOException {
    List<SurfaceEntry> entries = new ArrayList<>();
    int done = 0;
    for (TextureSurface surface : surfaces) {
      TextureBenchmark bench = TextureBenchmark.open(pack, surface, size, seed);
      MvtecLayout layout = new MvtecLayout(out.resolve(surface.word()));
      StringBuilder csv = new StringBuilder("file,split,label,x,y\n");
      for (int i = 0; i < train; i++) {
        Crop c = bench.normal(Split.TRAIN, i);
        Path file = layout.trainGood().resolve(name(i));
        c.image().writePng(file);
        row(csv, layout, file, c, MvtecLayout.GOOD);
        progress.accept(++done);
      }
      int goodTest = test - test / 2;
      for (int i = 0; i < goodTest; i++) {
        Crop c = bench.normal(Split.TEST, i);
        Path file = layout.testDir(MvtecLayout.GOOD).resolve(name(i));
        c.image().writePng(file);
        row(csv, layout, file, c, MvtecLayout.GOOD);
        progress.accept(++done);
      }
      Defect[] kinds = Defect.values();
      Map<String, Integer> perDefect = new java.util.LinkedHashMap<>();
      for (int i = 0; i < test / 2; i++) {
        Defect d = kinds[i % kinds.length];
        Crop c = bench.defective(i, d);
        Path file = layout.testDir(d.folder()).resolve(name(i));
        c.image().writePng(file);
        c.mask().writePng(layout.maskFile(d.folder(), file.getFileName().toString()));
        row(csv, layout, file, c, d.folder());
        perDefect.merge(d.folder(), 1, Integer::sum);
        progress.accept(++done);
      }
      Files.writeString(layout.root().resolve("crops.csv"), csv, StandardCharsets.UTF_8);
      entries.add(new SurfaceEntry(surface.word(), surface.kind().word(), surface.description(),
          surface.entry(), bench.photoWidth(), bench.photoHeight(), bench.trainBand(),
          bench.testBand(), train, goodTest, perDefect));
    }
    Manifest manifest = new Manifest(pack.file().toString(), seed, size, entries);
    Files.createDirectories(out);
    Files.write(out.resolve("textures.json"), JSON.writeValueAsBytes(manifest));
    return manifest;
  }

  private static void row(StringBuilder csv, MvtecLayout layout, Path file, Crop c, String label) {
    csv.append(layout.root().relativize(file)).append(',').append(c.split().name().toLowerCase(java.util.Locale.ROOT))
        .append(',').append(label).append(',').append(c.x()).append(',').append(c.y()).append('\n');
  }

  private static String name(int i) {
    return String.format("%04d.png", i);
  }
}
