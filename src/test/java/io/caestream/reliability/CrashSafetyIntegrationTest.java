package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.app.OutputTally;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.BadImages;
import io.caestream.stream.ExactlyOnceVerifier;
import io.caestream.stream.Topics;
import io.caestream.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety, after Kafka's own streams EOS system test: the scorer runs as a separate JVM
 * ({@code java -jar target/cae-stream.jar serve}) against a real in-JVM KRaft broker while a camera
 * line feeds a few thousand images (normal, defective and broken). Meanwhile, at moments drawn at
 * random from the number of results already committed, the scorer is killed with {@code kill -9}
 * three times and restarted each time, stopped with SIGTERM once (it must exit 0 within
 * {@code shutdown.timeout.ms}) and restarted, and the broker is stopped and started again under it
 * (it must recover by itself, without a restart). Then a {@code read_committed} consumer checks
 * that every input offset has exactly one result (score event or dead letter), none missing, none
 * twice, and that the anomaly events are exactly the anomalous score events.
 */
class CrashSafetyIntegrationTest {
  private static final int IMAGES = Integer.getInteger("cae.crash.images", 3000);
  private static final double RATE = Double.parseDouble(System.getProperty("cae.crash.rate", "60"));
  private static final long SEED = Long.getLong("cae.crash.seed", 20251125L);
  private static final int KILLS = 3;
  /** The processor says at info level when it restores buffered images; the test counts those lines. */
  private static final List<String> JVM = List.of("-Dcae.log.level.io.caestream.stream.ScoringProcessor=info");
  private static final long SHUTDOWN_TIMEOUT_MS = 15_000;
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(120);

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void nothingIsLostOrDuplicatedAcrossKillsSigtermAndBrokerRestart(@TempDir Path dir) throws Exception {
    long testStart = System.nanoTime();
    Random random = new Random(SEED);
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("seed", SEED);
    List<Map<String, Object>> faults = new ArrayList<>();
    figures.put("faults", faults);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      kafka.createTopics(List.of(topics.input()), 4);
      kafka.createTopics(List.of(topics.scores(), topics.anomalies(), topics.deadLetters()), 2);
      Map<String, String> config = ScorerProcess.config(kafka.bootstrapServers(), "crash-safety", dir.resolve("state"));
      config.put("kafka.num.stream.threads", "2");
      config.put("topics.create", "false");
      config.put("image.max.bytes", "100000");
      config.put("shutdown.timeout.ms", Long.toString(SHUTDOWN_TIMEOUT_MS));
      // Images wait longer than a commit interval, so every commit, kill and shutdown finds some
      // in the scoring buffer: the restore path runs, not only the path where the buffer is empty.
      config.put("stream.buffer.max", "16");
      config.put("stream.buffer.wait.ms", "300");

      Feeder feeder = new Feeder(kafka.bootstrapServers(), topics.input(), IMAGES, RATE);
      List<ScorerProcess> runs = new ArrayList<>();
      try (OutputTally tally = new OutputTally(kafka.bootstrapServers(), topics.scores(), topics.anomalies(),
          topics.deadLetters())) {
        ScorerProcess scorer = ScorerProcess.start(dir, "run-0", config, JVM);
        runs.add(scorer);
        feeder.start();
        long target = 0;
        // Five faults, each once 8-16% more of the images have a committed result: all before 80%.
        for (int fault = 0; fault < KILLS + 2; fault++) {
          target += (long) (IMAGES * (0.08 + 0.08 * random.nextDouble()));
          awaitResults(tally, target, scorer, feeder);
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("atResults", tally.results());
          f.put("fed", feeder.sent.get());
          faults.add(f);
          if (fault < KILLS) {
            f.put("kind", "kill -9");
            int code = scorer.kill();
            f.put("exitCode", code);
            assertThat(code).as("kill -9 exit status").isEqualTo(137);
            scorer = ScorerProcess.start(dir, "run-" + runs.size(), config, JVM);
            runs.add(scorer);
            f.put("recoveryMs", awaitProgress(tally, scorer, feeder));
          } else if (fault == KILLS) {
            f.put("kind", "SIGTERM");
            long t0 = System.nanoTime();
            scorer.terminate();
            Integer code = scorer.waitFor(SHUTDOWN_TIMEOUT_MS + 10_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            f.put("exitCode", code);
            f.put("exitMs", ms);
            assertThat(code).as("exit code after SIGTERM; log:\n%s", scorer.logTail(30)).isEqualTo(0);
            assertThat(ms).as("exit within shutdown.timeout.ms").isLessThanOrEqualTo(SHUTDOWN_TIMEOUT_MS + 2_000);
            assertThat(scorer.log()).contains("stopped cleanly");
            scorer = ScorerProcess.start(dir, "run-" + runs.size(), config, JVM);
            runs.add(scorer);
            f.put("recoveryMs", awaitProgress(tally, scorer, feeder));
          } else {
            f.put("kind", "broker stop/start");
            long t0 = System.nanoTime();
            kafka.stop();
            Thread.sleep(3_000);
            kafka.restart();
            f.put("brokerDownMs", (System.nanoTime() - t0) / 1_000_000);
            f.put("recoveryMs", awaitProgress(tally, scorer, feeder));
            assertThat(scorer.isAlive()).as("the scorer survives the broker restart by itself").isTrue();
          }
        }
        feeder.join(PHASE_TIMEOUT);
        awaitResults(tally, IMAGES, scorer, feeder);
        assertThat(scorer.isAlive()).as("the last scorer is still running; log:\n%s", scorer.logTail(30)).isTrue();

        ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics,
            feeder.perPartition(), Duration.ofMinutes(2));
        figures.put("recordsFed", feeder.sent.get());
        figures.put("good", feeder.good.get());
        figures.put("defective", feeder.defective.get());
        figures.put("broken", feeder.broken.get());
        figures.put("kills", KILLS);
        figures.put("sigterms", 1);
        figures.put("brokerRestarts", 1);
        figures.put("scorerStarts", runs.size());
        figures.put("results", v.results());
        figures.put("lost", v.missing().size());
        figures.put("duplicated", v.duplicated().size());
        figures.put("anomalyEvents", v.anomalies());
        figures.put("anomaliesMatchAnomalousScores", v.anomaliesMatch());
        figures.put("exactlyOnce", v.ok());
        figures.put("deadLetters", v.deadLetterReasons());
        figures.put("threadReplacements", runs.stream().mapToLong(r -> r.log().lines()
            .filter(l -> l.contains("stream thread failed")).count()).sum());
        long restores = runs.stream().mapToLong(r -> r.log().lines()
            .filter(l -> l.contains("buffered images restored")).count()).sum();
        figures.put("bufferRestores", restores);
        figures.put("seconds", (System.nanoTime() - testStart) / 1_000_000_000.0);
        String json = new ObjectMapper().writeValueAsString(figures);
        System.out.println("CRASH-SAFETY-FIGURES " + json);
        Path out = ExternalTool.projectRoot().resolve("target/reliability");
        Files.createDirectories(out);
        Files.writeString(out.resolve("crash-safety.json"), json + "\n");

        assertThat(feeder.error.get()).as("feeder errors").isNull();
        assertThat(v.missing()).as("inputs without a result (lost)").isEmpty();
        assertThat(v.duplicated()).as("inputs with more than one result (duplicated)").isEmpty();
        assertThat(v.results()).isEqualTo(IMAGES);
        assertThat(v.anomaliesMatch()).as("anomaly events = anomalous score events").isTrue();
        assertThat(v.anomalies()).isPositive();
        assertThat(restores).as("restarts that found committed, unscored images in the buffer").isPositive();
        assertThat(v.deadLetterReasons().values().stream().mapToLong(Integer::longValue).sum())
            .isEqualTo(feeder.broken.get());
        for (Map<String, Object> f : faults) {
          assertThat((Long) f.get("atResults")).as("fault %s happened mid-stream", f).isLessThan(IMAGES);
        }

        long t0 = System.nanoTime();
        scorer.terminate();
        assertThat(scorer.waitFor(SHUTDOWN_TIMEOUT_MS + 10_000)).as(scorer.logTail(30)).isEqualTo(0);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThanOrEqualTo(SHUTDOWN_TIMEOUT_MS + 2_000);
      } catch (AssertionError | Exception e) {
        System.out.println("CRASH-SAFETY-FIGURES (failed) " + new ObjectMapper().writeValueAsString(figures));
        for (ScorerProcess r : runs) {
          System.out.println("---- scorer " + r.pid() + " log tail ----\n" + r.logTail(25));
        }
        throw e;
      } finally {
        feeder.interrupt();
        for (ScorerProcess r : runs) {
          r.close();
        }
      }
    }
  }

  /** Waits until {@code target} results are committed; fails if the scorer or the feeder dies. */
  private static void awaitResults(OutputTally tally, long target, ScorerProcess scorer, Feeder feeder)
      throws InterruptedException {
    long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
    while (tally.results() < target) {
      if (!scorer.isAlive()) {
        fail("scorer exited (" + scorer.waitFor(0) + ") at " + tally.results() + " results:\n" + scorer.logTail(40));
      }
      if (feeder.error.get() != null) {
        fail("feeder failed", feeder.error.get());
      }
      if (System.nanoTime() > deadline) {
        fail("only " + tally.results() + " of " + target + " results after " + PHASE_TIMEOUT.toSeconds()
            + " s (fed " + feeder.sent.get() + "):\n" + scorer.logTail(40));
      }
      Thread.sleep(20);
    }
  }

  /** Milliseconds until results grow again (the restarted or reconnected scorer commits). */
  private static long awaitProgress(OutputTally tally, ScorerProcess scorer, Feeder feeder)
      throws InterruptedException {
    long t0 = System.nanoTime();
    awaitResults(tally, tally.results() + 1, scorer, feeder);
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** The camera line: images at a steady rate, one in ten broken, counted per partition as acked. */
  private static final class Feeder extends Thread {
    private final String bootstrap;
    private final String topic;
    private final int count;
    private final double rate;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong good = new AtomicLong();
    final AtomicLong defective = new AtomicLong();
    final AtomicLong broken = new AtomicLong();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    private final Map<Integer, AtomicLong> perPartition = new ConcurrentHashMap<>();

    Feeder(String bootstrap, String topic, int count, double rate) {
      super("camera-feeder");
      setDaemon(true);
      this.bootstrap = bootstrap;
      this.topic = topic;
      this.count = count;
      this.rate = rate;
    }

    @Override
    public void run() {
      SyntheticSurfaces gen = new SyntheticSurfaces(64, SEED, List.of(SyntheticSurfaces.Surface.values()));
      List<byte[]> bad = new ArrayList<>(BadImages.corpus(64, 100_000).values());
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000");
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "180000");
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
          new ByteArraySerializer())) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
          long due = start + (long) (i * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          byte[] value;
          if (i % 10 == 3) {
            value = bad.get(i / 10 % bad.size());
            broken.incrementAndGet();
          } else {
            SyntheticSurfaces.Sample s = gen.streamSample(i, 0.15);
            value = s.image().toPng();
            (s.label().equals("good") ? good : defective).incrementAndGet();
          }
          RecordHeaders h = new RecordHeaders();
          h.add("image-id", ("crash-" + i).getBytes(StandardCharsets.UTF_8));
          producer.send(new ProducerRecord<>(topic, null, ("line-1/cam-" + i % 5).getBytes(StandardCharsets.UTF_8),
              value, h), (md, ex) -> {
                if (ex != null) {
                  error.compareAndSet(null, ex);
                } else {
                  perPartition.computeIfAbsent(md.partition(), k -> new AtomicLong()).incrementAndGet();
                  sent.incrementAndGet();
                }
              });
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable t) {
        error.compareAndSet(null, t);
      }
    }

    void join(Duration timeout) throws InterruptedException {
      join(timeout.toMillis());
      if (isAlive()) {
        fail("feeder still sending after " + timeout.toSeconds() + " s (sent " + sent.get() + ")");
      }
    }

    Map<Integer, Long> perPartition() {
      Map<Integer, Long> m = new TreeMap<>();
      perPartition.forEach((k, v) -> m.put(k, v.get()));
      return m;
    }
  }
}
