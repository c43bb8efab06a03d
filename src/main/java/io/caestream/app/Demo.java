package io.caestream.app;

import io.caestream.config.CaeConfig;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.Topics;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one-command demo: an in-process KRaft broker, the real scorer on it, a synthetic camera
 * feed, a live line a second, and a summary. Counts come from a read_committed consumer of the
 * output topics, so they are what a downstream user would see.
 */
public final class Demo {
  /** What to run. {@code images} 0 = until duration/Ctrl-C; {@code durationSeconds} 0 = no limit. */
  public record Options(int kafkaPort, int httpPort, long images, long durationSeconds, boolean feed,
      double rate, double defectRate, long seed, int partitions, int streamThreads, int batchMax,
      Map<String, String> extraConfig) {}

  /** The numbers of a run. */
  public record Summary(long fed, long scored, long anomalies, long deadLettered, double imagesPerSec,
      double p50Ms, double p99Ms, double seconds, double meanBatchSize) {}

  private static final long WINDOW = Long.getLong("cae.demo.window", 400);

  private final Options options;
  private final PrintStream out;
  private volatile boolean stopRequested;

  public Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public void requestStop() {
    stopRequested = true;
  }

  public Summary run() throws Exception {
    out.printf("starting Kafka (KRaft, in-process) on localhost:%d ...%n", options.kafkaPort());
    try (EmbeddedKafka kafka = EmbeddedKafka.start(options.kafkaPort(), Map.of())) {
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put(CaeConfig.HTTP_PORT, Integer.toString(options.httpPort()));
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.TOPICS_CREATE, "true");
      // The demo is for looking at: the viewer is on (serve and the chart leave it off).
      raw.put(CaeConfig.HTTP_VIEWER_ENABLED, "true");
      raw.put(CaeConfig.TOPICS_PARTITIONS, Integer.toString(options.partitions()));
      raw.put(CaeConfig.MODEL_BATCH_MAX, Integer.toString(options.batchMax()));
      raw.put("kafka.num.stream.threads", Integer.toString(options.streamThreads()));
      raw.putAll(options.extraConfig());
      // CAE_* environment variables tune the demo like serve (e.g. CAE_KAFKA_COMMIT_INTERVAL_MS).
      raw.putAll(CaeConfig.fromEnvironment(System.getenv()));
      CaeConfig config = CaeConfig.of(raw);
      Topics topics = Topics.from(config);
      kafka.createTopics(topics.all(), options.partitions());
      try (ScorerApp app = ScorerApp.start(config);
          OutputTally tally = new OutputTally(kafka.bootstrapServers(), topics.scores(),
              topics.anomalies(), topics.deadLetters())) {
        out.printf("scorer up: model %s (%s, %s), threshold %.5g; http://127.0.0.1:%d/ (viewer) and /metrics%n",
            app.engine().model().metadata().name(), app.engine().model().metadata().version(),
            app.engine().model().provider().provider().word(), app.engine().scorer().settings().threshold(),
            app.httpPort());
        return drive(kafka, app, tally, topics);
      }
    }
  }

  private Summary drive(EmbeddedKafka kafka, ScorerApp app, OutputTally tally, Topics topics)
      throws InterruptedException {
    AtomicLong fed = new AtomicLong();
    long target = options.images() > 0 ? options.images() : Long.MAX_VALUE;
    Thread feeder = null;
    ImageFeed feed = null;
    if (options.feed()) {
      int size = app.engine().scorer().inputSpec().width();
      ImageFeed f = new ImageFeed(kafka.bootstrapServers(), topics.input(), new Properties());
      feed = f;
      ImageFeed.Source source = ImageFeed.synthetic(target, options.seed(), size, options.defectRate(), 4);
      feeder = new Thread(() -> {
        try {
          f.send(source, options.rate(), i -> {
            // Back-pressure: keep at most WINDOW images in flight so latency measures the scorer, not a queue.
            while (i - tally.results() >= WINDOW && !stopRequested) {
              sleep(1);
            }
          }, i -> fed.incrementAndGet());
        } catch (org.apache.kafka.common.errors.InterruptException e) {
          // Stopped mid-flush: the demo is ending.
        }
      }, "cae-demo-feed");
      feeder.setDaemon(true);
      feeder.start();
    } else {
      out.printf("--feed none: publish images to %s on %s (e.g. with `produce`)%n", topics.input(),
          kafka.bootstrapServers());
    }
    long start = System.nanoTime();
    long lastResults = 0;
    long lastTick = start;
    boolean tty = System.console() != null;
    // Check for the end every 20 ms (so a run's duration is measured, not rounded to seconds);
    // draw the live line once a second.
    while (!stopRequested && !app.failed()) {
      sleep(20);
      long now = System.nanoTime();
      double elapsed = (now - start) / 1e9;
      long results = tally.results();
      boolean doneByCount = options.images() > 0 && results >= options.images();
      boolean doneByTime = options.durationSeconds() > 0 && elapsed >= options.durationSeconds();
      if (now - lastTick >= 1_000_000_000L || doneByCount || doneByTime) {
        double rate = (results - lastResults) / ((now - lastTick) / 1e9);
        lastResults = results;
        lastTick = now;
        out.printf("%s%5.0fs  fed %7d  scored %7d  anomalies %5d  dead-lettered %4d  %7.1f img/s  p99 %6.1f ms%s",
            tty ? "\r" : "", elapsed, options.feed() ? fed.get() : results, tally.scored(), tally.anomalies(),
            tally.deadLettered(), rate, tally.latencyQuantileMs(0.99), tty ? "" : "\n");
        out.flush();
      }
      if (doneByCount || doneByTime) {
        break;
      }
    }
    if (tty) {
      out.println();
    }
    if (app.failed()) {
      throw new IllegalStateException("the scorer stopped with an error (see the log above)");
    }
    if (feeder != null) {
      stopRequested = true;
      feeder.interrupt();
      feeder.join(5_000);
      feed.close();
    }
    // Drain: wait (bounded) for the images already fed, so that fed = scored + dead-lettered.
    long drainUntil = System.nanoTime() + 10_000_000_000L;
    while (options.feed() && tally.results() < fed.get() && System.nanoTime() < drainUntil && !app.failed()) {
      sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    var batches = app.metrics().batchSizes(app.engine().name());
    return new Summary(options.feed() ? fed.get() : tally.results(), tally.scored(), tally.anomalies(),
        tally.deadLettered(), tally.results() / seconds, tally.latencyQuantileMs(0.5),
        tally.latencyQuantileMs(0.99), seconds, batches.count() == 0 ? 0 : batches.totalAmount() / batches.count());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
