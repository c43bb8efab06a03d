package io.caestream.cli;

import io.caestream.app.ImageFeed;
import io.caestream.dataset.MvtecLayout;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import io.caestream.config.CaeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code produce}: publish files, MVTec folders or a synthetic set to the input topic. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = "Publish image files, folders (MVTec layout) or a generated synthetic set to the input topic.")
public final class ProduceCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "PATH", description = "Image files or folders.")
  List<Path> paths;
  @Option(names = "--config", description = "Properties file as for serve: input.topic and the kafka.* client settings (SASL, TLS) apply.")
  Path config;
  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: kafka.bootstrap.servers, else localhost:9092).")
  String bootstrap;
  @Option(names = "--topic", description = "Input topic (default: input.topic, images).")
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
  @Option(names = "--all", description = "Send every file in the folders, not only image file names"
      + " without masks: the scorer decides what is an image (others become dead letters).")
  boolean all;
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ImageFeed.Source source;
    MvtecLayout.Selection selection = null;
    if (synthetic != null) {
      source = ImageFeed.synthetic(synthetic, seed, size, defectRate, 4);
    } else if (paths != null && !paths.isEmpty()) {
      selection = MvtecLayout.select(paths, all);
      source = ImageFeed.files(selection.files());
    } else {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "give image files/folders or --synthetic N");
    }
    CaeConfig c = CaeConfig.load(config, System.getenv());
    Properties client = new Properties();
    client.putAll(c.kafka());
    String servers = bootstrap != null ? bootstrap
        : c.kafka().getOrDefault("bootstrap.servers", "localhost:9092");
    client.remove("bootstrap.servers");
    String target = topic != null ? topic : c.string(CaeConfig.INPUT_TOPIC);
    Progress progress = new Progress("produce", source.size());
    AtomicLong sent = new AtomicLong();
    try (ImageFeed feed = new ImageFeed(servers, target, producerSettings(client))) {
      feed.send(source, rate, i -> progress.update(i), i -> sent.incrementAndGet());
    }
    progress.update(source.size());
    progress.finish();
    out.printf("published %d of %d images to %s on %s%n", sent.get(), source.size(), target, servers);
    if (selection != null && selection.skippedCount() > 0) {
      // Silence here once read as "all sent": say what was left out, and how to send it.
      StringBuilder why = new StringBuilder();
      selection.skipped().forEach((reason, n) -> why.append(why.length() == 0 ? "" : ", ").append(n)
          .append(' ').append(reason));
      out.printf("skipped %d files: %s (--all sends every file)%n", selection.skippedCount(), why);
    }
    out.flush();
    return sent.get() == source.size() ? Main.EXIT_OK : Main.EXIT_RUNTIME;
  }

  /** The client settings a producer understands (Streams-only keys would only log warnings). */
  private static Properties producerSettings(Properties kafka) {
    Properties p = new Properties();
    var known = org.apache.kafka.clients.producer.ProducerConfig.configNames();
    kafka.forEach((k, v) -> {
      String key = k.toString().startsWith("producer.") ? k.toString().substring("producer.".length()) : k.toString();
      if (known.contains(key)) {
        p.put(key, v);
      }
    });
    return p;
  }
}
