package io.caestream.cli;

import io.caestream.dataset.FashionMnist;
import io.caestream.dataset.SyntheticDatasetWriter;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.dataset.SyntheticSurfaces.Surface;
import io.caestream.dataset.TextureDatasetWriter;
import io.caestream.dataset.TexturePack;
import io.caestream.dataset.TextureSurface;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dataset synthetic|fashion-mnist|textures}: writes data sets in MVTec layout. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
    description = "Write a data set in MVTec AD layout.",
    subcommands = {DatasetCommand.Synthetic.class, DatasetCommand.Fashion.class,
        DatasetCommand.Textures.class})
public final class DatasetCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "synthetic", mixinStandardHelpOptions = true,
      description = "Procedural grey surfaces with injected defects and their masks.")
  static final class Synthetic implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;
    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--train", defaultValue = "1000", description = "Normal training images (default ${DEFAULT-VALUE}).")
    int train;
    @Option(names = "--test", defaultValue = "200", description = "Test images, half defective (default ${DEFAULT-VALUE}).")
    int test;
    @Option(names = "--size", defaultValue = "64", description = "Image side in pixels (default ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--defect-scale", description = "Picture size the defects are proportioned for "
        + "(default: --size; e.g. 32 with --size 512 gives defects of about 3-12 px on large frames).")
    Integer defectScale;
    @Option(names = "--surfaces", split = ",", defaultValue = "metal,fabric,print",
        description = "Surface kinds to mix: metal, fabric, print (default ${DEFAULT-VALUE}).")
    List<Surface> surfaces;

    @Override
    public Integer call() throws Exception {
      Progress progress = new Progress("dataset synthetic", train + test);
      new SyntheticDatasetWriter(new SyntheticSurfaces(size, defectScale == null ? size : defectScale,
          seed, surfaces))
          .write(out, train, test, progress::update);
      progress.finish();
      System.out.printf("wrote %d train and %d test images to %s%n", train, test, out);
      return Main.EXIT_OK;
    }
  }

  @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
      description = "One Fashion-MNIST class as normal, the other classes as anomalies.")
  static final class Fashion implements Callable<Integer> {
    @Option(names = "--normal-class", required = true, description = "Class 0-9 used as normal.")
    int normalClass;
    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;
    @Option(names = "--idx-dir", description = "Folder of the IDX files (default ${DEFAULT-VALUE}).")
    Path idxDir = FashionMnist.DEFAULT_IDX_DIR;

    @Override
    public Integer call() throws Exception {
      Progress progress = new Progress("dataset fashion-mnist", 16_000);
      new FashionMnist(idxDir).writeOneClass(normalClass, out, progress::update);
      progress.finish();
      System.out.printf("wrote class %d (%s) as normal to %s%n", normalClass,
          FashionMnist.CLASS_NAMES.get(normalClass), out);
      return Main.EXIT_OK;
    }
  }

  @Command(name = "textures", mixinStandardHelpOptions = true,
      description = {"Photographed surfaces (OpenArena texture pack) with simulated defects and masks:",
          "one MVTec folder per surface, train and test crops from disjoint bands of the photograph."})
  static final class Textures implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output folder (one subfolder per surface).")
    Path out;
    @Option(names = "--surfaces", split = ",", converter = SurfaceWord.class,
        description = "Surfaces (default: all): diamond-plate, tread-plate, perforated, brushed-metal, "
            + "rusted-metal, concrete, stone.")
    List<TextureSurface> surfaces = List.of(TextureSurface.values());
    @Option(names = "--train", defaultValue = "600", description = "Normal training crops per surface (default ${DEFAULT-VALUE}).")
    int train;
    @Option(names = "--test", defaultValue = "240", description = "Test crops per surface, half defective (default ${DEFAULT-VALUE}).")
    int test;
    @Option(names = "--size", defaultValue = "64", description = "Crop side in pixels (default ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--pack", description = "The .pk3 texture pack (default ${DEFAULT-VALUE}).")
    Path pack = TexturePack.DEFAULT_PACK;

    @Override
    public Integer call() throws Exception {
      if (train < 0 || test < 0 || size < 16) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "--train and --test must be >= 0 and --size >= 16");
      }
      Progress progress = new Progress("dataset textures", (long) surfaces.size() * (train + test));
      try (TexturePack p = TexturePack.open(pack)) {
        new TextureDatasetWriter(p, size, seed).write(out, surfaces, train, test, progress::update);
      }
      progress.finish();
      System.out.printf("wrote %d surfaces (%d train and %d test crops each) to %s%n", surfaces.size(),
          train, test, out);
      return Main.EXIT_OK;
    }
  }

  /** Surface words as the folders spell them ({@code diamond-plate}). */
  static final class SurfaceWord implements picocli.CommandLine.ITypeConverter<TextureSurface> {
    @Override
    public TextureSurface convert(String value) {
      try {
        return TextureSurface.of(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
