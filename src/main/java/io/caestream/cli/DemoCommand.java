package io.caestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.app.Demo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: broker + scorer + synthetic feed in one process. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run an in-process Kafka broker, the scorer with the bundled model and a synthetic camera feed.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--images", defaultValue = "0", description = "Stop after this many images (0 = no limit).")
  long images;
  @Option(names = "--duration", defaultValue = "0", description = "Stop after this many seconds (0 = no limit).")
  long duration;
  @Option(names = "--feed", defaultValue = "synthetic", description = "synthetic or none (default ${DEFAULT-VALUE}).")
  String feed;
  @Option(names = "--rate", defaultValue = "0", description = "Images/s to feed (0 = as fast as the scorer keeps up).")
  double rate;
  @Option(names = "--defect-rate", defaultValue = "0.04", description = "Share of defective images (default ${DEFAULT-VALUE}).")
  double defectRate;
  @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic feed (default ${DEFAULT-VALUE}).")
  long seed;
  @Option(names = "--kafka-port", defaultValue = "9092", description = "Broker port on localhost (default ${DEFAULT-VALUE}; 0 = any free port).")
  int kafkaPort;
  @Option(names = "--http-port", defaultValue = "9400", description = "HTTP port (default ${DEFAULT-VALUE}).")
  int httpPort;
  @Option(names = "--partitions", defaultValue = "4", description = "Input partitions (default ${DEFAULT-VALUE}).")
  int partitions;
  @Option(names = "--stream-threads", defaultValue = "2", description = "Kafka Streams threads (default ${DEFAULT-VALUE}).")
  int streamThreads;
  @Option(names = "--batch-max", defaultValue = "8", description = "model.batch.max (default ${DEFAULT-VALUE}).")
  int batchMax;
  @Option(names = "--json-summary", description = "Write the summary as JSON to this file.")
  Path jsonSummary;

  @Override
  public Integer call() throws Exception {
    if (!feed.equals("synthetic") && !feed.equals("none")) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--feed must be synthetic or none");
    }
    Demo demo = new Demo(new Demo.Options(kafkaPort, httpPort, images, duration, feed.equals("synthetic"),
        rate, defectRate, seed, partitions, streamThreads, batchMax, Map.of()), System.out);
    java.util.concurrent.CountDownLatch printed = new java.util.concurrent.CountDownLatch(1);
    // Ctrl-C: stop feeding, and keep the JVM alive until the summary is out (bounded).
    Thread hook = new Thread(() -> {
      demo.requestStop();
      try {
        printed.await(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "cae-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return report(demo.run());
    } finally {
      printed.countDown();
    }
  }

  private Integer report(Demo.Summary s) throws java.io.IOException {
    System.out.printf("%n%-16s %12s%n", "SUMMARY", "");
    System.out.printf("%-16s %12d%n%-16s %12d%n%-16s %12d%n%-16s %12d%n%-16s %12.1f%n%-16s %12.1f%n%-16s %12.1f%n%-16s %12.2f%n%-16s %12.1f%n",
        "fed", s.fed(), "scored", s.scored(), "anomalies", s.anomalies(), "dead-lettered", s.deadLettered(),
        "images/s", s.imagesPerSec(), "p50 ms", s.p50Ms(), "p99 ms", s.p99Ms(), "mean batch", s.meanBatchSize(),
        "seconds", s.seconds());
    if (jsonSummary != null) {
      Path parent = jsonSummary.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(jsonSummary, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
    }
    return Main.EXIT_OK;
  }
}
