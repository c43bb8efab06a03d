package io.caestream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every committed output (read_committed) and checks the exactly-once contract: each input
 * offset has exactly one score event or one dead letter, and the anomaly events are exactly the
 * anomalous score events.
 */
public final class ExactlyOnceVerifier {
  /** What was found. */
  public record Verdict(int expected, int results, List<String> missing, List<String> duplicated,
      int anomalies, boolean anomaliesMatch, Map<String, Integer> deadLetterReasons) {
    public boolean ok() {
      return missing.isEmpty() && duplicated.isEmpty() && anomaliesMatch && results == expected;
    }
  }

  private ExactlyOnceVerifier() {}

  /** Polls until {@code expectedPerPartition} results arrived or the timeout passes. */
  public static Verdict verify(String bootstrap, Topics topics, Map<Integer, Long> expectedPerPartition,
      Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + System.nanoTime());
    int expected = (int) expectedPerPartition.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Integer> seen = new HashMap<>();
    Set<String> anomalousScores = new HashSet<>();
    Set<String> anomalyEvents = new HashSet<>();
    Map<String, Integer> reasons = new HashMap<>();
    int anomalyCount = 0;
    ObjectMapper json = new ObjectMapper();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topics.scores(), topics.anomalies(), topics.deadLetters()));
      long deadline = System.nanoTime() + timeout.toNanos();
      int quietPolls = 0;
      while (System.nanoTime() < deadline) {
        var records = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (r.topic().equals(topics.deadLetters())) {
            String id = header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET);
            seen.merge(id, 1, Integer::sum);
            reasons.merge(header(r, DeadLetterHeaders.REASON), 1, Integer::sum);
          } else {
            JsonNode e = read(json, r.value());
            String id = e.get("input").get("partition").asInt() + "@" + e.get("input").get("offset").asLong();
            if (r.topic().equals(topics.scores())) {
              seen.merge(id, 1, Integer::sum);
              if (e.get("anomalous").asBoolean()) {
                anomalousScores.add(id);
              }
            } else {
              anomalyCount++;
              anomalyEvents.add(id);
            }
          }
        }
        quietPolls = records.isEmpty() ? quietPolls + 1 : 0;
        // Done once every result is in and anomaly events (a separate topic) have caught up.
        if (seen.size() >= expected && quietPolls >= 2) {
          break;
        }
      }
    }
    List<String> missing = new ArrayList<>();
    expectedPerPartition.forEach((partition, count) -> {
      for (long o = 0; o < count; o++) {
        if (!seen.containsKey(partition + "@" + o)) {
          missing.add(partition + "@" + o);
        }
      }
    });
    List<String> duplicated = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().toList();
    int results = seen.values().stream().mapToInt(Integer::intValue).sum();
    return new Verdict(expected, results, missing, duplicated, anomalyCount,
        anomalyCount == anomalyEvents.size() && anomalyEvents.equals(anomalousScores), reasons);
  }

  private static JsonNode read(ObjectMapper json, byte[] value) {
    try {
      return json.readTree(value);
    } catch (Exception e) {
      throw new AssertionError("output is not JSON: " + new String(value, StandardCharsets.UTF_8), e);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    var h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
