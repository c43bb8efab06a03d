package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.caestream.app.OutputTally;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.ExactlyOnceVerifier;
import io.caestream.stream.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other side of CrashSafetyIntegrationTest: the same verifier must find duplicates when the
 * scorer runs {@code at_least_once} and is killed with {@code kill -9} mid-stream, or a clean
 * verdict there would prove nothing. The commit interval is long, so everything scored before
 * the kill is uncommitted and scored again by the restarted scorer: duplicates are certain.
 */
class AtLeastOnceIntegrationTest {
  private static final int IMAGES = 400;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void killedUnderAtLeastOnceTheVerifierFindsDuplicatesButNoLoss(@TempDir Path dir) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      kafka.createTopics(topics.all(), 2);
      Map<String, String> config = ScorerProcess.config(kafka.bootstrapServers(), "at-least-once", dir.resolve("state"));
      config.put("kafka.processing.guarantee", "at_least_once");
      config.put("kafka.commit.interval.ms", "600000");
      try (OutputTally tally = new OutputTally(kafka.bootstrapServers(), topics.scores(), topics.anomalies(),
          topics.deadLetters())) {
        ScorerProcess first = ScorerProcess.start(dir, "alo-0", config, List.of());
        ScorerProcess second = null;
        try {
          Map<Integer, Long> perPartition = produce(kafka, topics.input());
          awaitResults(tally, IMAGES / 2, first);
          assertThat(first.kill()).as("kill -9").isEqualTo(137);
          second = ScorerProcess.start(dir, "alo-1", config, List.of());
          ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics, perPartition,
              Duration.ofMinutes(3));
          System.out.printf("AT-LEAST-ONCE results %d for %d inputs, %d duplicated, %d missing%n", v.results(),
              v.expected(), v.duplicated().size(), v.missing().size());
          assertThat(v.missing()).as("at least once: nothing lost").isEmpty();
          assertThat(v.duplicated()).as("inputs with more than one result after kill -9").isNotEmpty();
          assertThat(v.ok()).as("the exactly-once verdict").isFalse();
        } finally {
          first.close();
          if (second != null) {
            second.close();
          }
        }
      }
    }
  }

  private static Map<Integer, Long> produce(EmbeddedKafka kafka, String topic) throws Exception {
    SyntheticSurfaces gen = new SyntheticSurfaces(64, 11, List.of(SyntheticSurfaces.Surface.values()));
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      records.add(new ProducerRecord<>(topic, ("line-1/cam-" + i % 4).getBytes(StandardCharsets.UTF_8),
          gen.streamSample(i, 0.1).image().toPng()));
    }
    return Inputs.send(kafka.clientProperties(), records);
  }

  private static void awaitResults(OutputTally tally, long target, ScorerProcess scorer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (tally.results() < target) {
      if (!scorer.isAlive()) {
        fail("scorer exited:\n" + scorer.logTail(40));
      }
      if (System.nanoTime() > deadline) {
        fail("only " + tally.results() + " results:\n" + scorer.logTail(40));
      }
      Thread.sleep(20);
    }
  }
}
