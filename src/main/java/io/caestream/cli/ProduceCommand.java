package io.caestream.cli;

import io.caestream.app.ImageFeed;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code produce}: publish files, MVTec folders or a synthetic set to the input topic. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = "Publish image files, folders (MVTec layout) or a generated synthetic set to the input topic.")
public final class ProduceCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "PATH", description = "Image files or folders.")
  List<Path> paths;
  @Option(names = "--bootstrap", defaultValue = "localhost:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
  String bootstrap;
  @Option(names = "--topic", defaultValue = "images", description = "Input topic (default ${DEFAULT-VALUE}).")
  String topic;
  @Option(names = "--synthetic", description = "Generate this many synthetic images instead of reading files.")
  Long synthetic;
  @Option(names = "--size", defaultValue = "64", description = "Synthetic image side (default ${DEFAULT-VALUE}).")
  int size;
  @Option(names = "--defect-rate", defaultValue = "0.04", description = "Synthetic defect share (default ${DEFAULT-VALUE}).")
  double defectRate;
  @Option(names = "--seed", defaultValue = "7", description = "Synthetic seed (default ${DEFAULT-VALUE}).")
  long seed;
  @Option(names = "--rate", defaultValue = "0", description = "Images/s (0 = unlimited).")
  double rate;

  @Override
  public Integer call() {
    ImageFeed.Source source;
    if (synthetic != null) {
      source = ImageFeed.synthetic(synthetic, seed, size, defectRate, 4);
    } else if (paths != null && !paths.isEmpty()) {
      source = ImageFeed.files(paths);
    } else {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "give image files/folders or --synthetic N");
    }
    Progress progress = new Progress("produce", source.size());
    AtomicLong sent = new AtomicLong();
    try (ImageFeed feed = new ImageFeed(bootstrap, topic, new Properties())) {
      feed.send(source, rate, i -> progress.update(i), i -> sent.incrementAndGet());
    }
    progress.update(source.size());
    progress.finish();
    System.out.printf("published %d of %d images to %s on %s%n", sent.get(), source.size(), topic, bootstrap);
    return sent.get() == source.size() ? Main.EXIT_OK : Main.EXIT_RUNTIME;
  }
}
