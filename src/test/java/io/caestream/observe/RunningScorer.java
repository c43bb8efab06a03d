package io.caestream.observe;

import io.caestream.app.ImageFeed;
import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The product as {@code demo} runs it, inside the test JVM: a real in-process KRaft broker, the
 * real {@link ScorerApp} (HTTP on a free loopback port) and a synthetic camera feed in which every
 * {@code brokenEvery}-th image is broken in one of a few ways, so that dead letters happen too.
 */
final class RunningScorer implements AutoCloseable {
  /** Broken payloads and the reject reason each should give. */
  static final Map<String, byte[]> BROKEN = broken();

  final EmbeddedKafka kafka;
  final ScorerApp app;
  final Topics topics;
  private final ImageFeed feed;
  private Thread feeder;
  final AtomicLong fed = new AtomicLong();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RunningScorer(EmbeddedKafka kafka, ScorerApp app, Topics topics) {
    this.kafka = kafka;
    this.app = app;
    this.topics = topics;
    this.feed = new ImageFeed(kafka.bootstrapServers(), topics.input(), new Properties());
  }

  static RunningScorer start(Map<String, String> extraConfig) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of());
    try {
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put(CaeConfig.HTTP_PORT, "0");
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.TOPICS_CREATE, "true");
      raw.put(CaeConfig.TOPICS_PARTITIONS, "2");
      raw.put("kafka.num.stream.threads", "1");
      raw.putAll(extraConfig);
      CaeConfig config = CaeConfig.of(raw);
      Topics topics = Topics.from(config);
      kafka.createTopics(topics.all(), 2);
      ScorerApp app = ScorerApp.start(config);
      return new RunningScorer(kafka, app, topics);
    } catch (Exception | Error e) {
      kafka.close();
      throw e;
    }
  }

  int httpPort() {
    return app.httpPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + httpPort() + path;
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Waits until Kafka Streams is RUNNING and /health/ready says 200. */
  void awaitReady(Duration timeout) throws Exception {
    awaitTrue("scorer ready (state " + app.state() + ")", timeout, () -> {
      try {
        return app.state() == KafkaStreams.State.RUNNING && get("/health/ready").statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  /**
   * Starts feeding {@code count} images ({@link Long#MAX_VALUE}: until close) of {@code size} px at
   * {@code rate}/s, {@code defectRate} of them with a defect, every {@code brokenEvery}-th broken
   * (0 = none).
   */
  void feed(long count, int size, double rate, double defectRate, int brokenEvery) {
    ImageFeed.Source synthetic = ImageFeed.synthetic(count, 7, size, defectRate, 4);
    byte[][] broken = BROKEN.values().toArray(new byte[0][]);
    ImageFeed.Source source = new ImageFeed.Source() {
      @Override
      public long size() {
        return count;
      }

      @Override
      public ImageFeed.Item get(long i) {
        if (brokenEvery > 0 && i % brokenEvery == brokenEvery - 1) {
          byte[] b = broken[(int) (i / brokenEvery % broken.length)];
          return new ImageFeed.Item("line-1/cam-9", "broken-" + i, null, b);
        }
        return synthetic.get(i);
      }
    };
    feeder = new Thread(() -> {
      try {
        feed.send(source, rate, i -> { }, i -> fed.incrementAndGet());
      } catch (RuntimeException e) {
        if (!Thread.currentThread().isInterrupted()) {
          throw e;
        }
      }
    }, "test-feed");
    feeder.setDaemon(true);
    feeder.start();
  }

  /** Images the scorer has counted (scored or dead-lettered). */
  long processed() {
    CaeMetrics m = app.metrics();
    return (long) (m.count("normal") + m.count("anomalous") + m.count("rejected"));
  }

  static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  private static Map<String, byte[]> broken() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("empty", new byte[0]);
    m.put("unknown-format", "this is not an image".getBytes(StandardCharsets.UTF_8));
    byte[] png = new io.caestream.dataset.GreyImage(64, 64, new float[64 * 64]).toPng();
    m.put("truncated", Arrays.copyOf(png, 40));
    m.put("unsupported-format", "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;".getBytes(StandardCharsets.ISO_8859_1));
    return m;
  }

  @Override
  public void close() {
    if (feeder != null) {
      feeder.interrupt();
      try {
        feeder.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      feed.close();
    } finally {
      try {
        app.close();
      } finally {
        kafka.close();
      }
    }
  }
}
