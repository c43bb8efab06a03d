package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.image.RejectReason;
import io.caestream.image.TestImages;
import io.caestream.model.BatchListener;
import io.caestream.scoring.ScoringEngine;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoringTopologyTest {
  private static ScoringEngine engine;
  private static final SyntheticSurfaces SURFACES = new SyntheticSurfaces(64, 777,
      List.of(SyntheticSurfaces.Surface.values()));
  private final Topics topics = Topics.from(CaeConfig.defaults());
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> scores;
  private TestOutputTopic<byte[], byte[]> anomalies;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeAll
  static void openModel() {
    engine = ScoringEngine.open(CaeConfig.defaults().with(Map.of(CaeConfig.IMAGE_MAX_BYTES, "200000",
        CaeConfig.IMAGE_MAX_PIXELS, "1000000")), BatchListener.NONE);
  }

  @AfterAll
  static void closeModel() {
    engine.close();
  }

  @BeforeEach
  void start() {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "unused:9092")));
    driver = new TopologyTestDriver(ScoringTopology.build(topics, RoutedScorer.of(engine), StreamListener.NONE), p);
    ByteArraySerializer s = new ByteArraySerializer();
    ByteArrayDeserializer d = new ByteArrayDeserializer();
    input = driver.createInputTopic(topics.input(), s, s);
    scores = driver.createOutputTopic(topics.scores(), d, d);
    anomalies = driver.createOutputTopic(topics.anomalies(), d, d);
    dlq = driver.createOutputTopic(topics.deadLetters(), d, d);
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] normalImageBelowThreshold() throws Exception {
    for (int i = 0; i < 20; i++) {
      byte[] png = SURFACES.normal(i).image().toPng();
      if (!engine.scorer().score(png).anomalous()) {
        return png;
      }
    }
    throw new AssertionError("no normal image below the threshold in 20 tries");
  }

  @Test
  void normalImageGivesOneScoreEventOnly() throws Exception {
    input.pipeInput(new TestRecord<>(key("line-3/cam-1"), normalImageBelowThreshold(),
        new RecordHeaders().add("image-id", key("img-1")), 1_764_000_000_000L));
    List<TestRecord<byte[], byte[]>> out = scores.readRecordsToList();
    assertThat(out).hasSize(1);
    assertThat(anomalies.isEmpty()).isTrue();
    assertThat(dlq.isEmpty()).isTrue();
    JsonNode e = new ObjectMapper().readTree(out.get(0).value());
    assertThat(e.get("imageId").asText()).isEqualTo("img-1");
    assertThat(e.get("source").asText()).isEqualTo("line-3/cam-1");
    assertThat(e.get("anomalous").asBoolean()).isFalse();
    assertThat(e.get("capturedAt").asLong()).isEqualTo(1_764_000_000_000L);
    assertThat(new String(out.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("line-3/cam-1");
  }

  @Test
  void anomalousImageGivesScoreAndAnomalyEventsWithEveryField() throws Exception {
    SyntheticSurfaces.Sample s = SURFACES.defective(5, SyntheticSurfaces.Defect.HOLE);
    input.pipeInput(key("line-1/cam-2"), s.image().toPng());
    List<TestRecord<byte[], byte[]>> scored = scores.readRecordsToList();
    List<TestRecord<byte[], byte[]>> anomalous = anomalies.readRecordsToList();
    assertThat(scored).hasSize(1);
    assertThat(anomalous).hasSize(1);
    assertThat(anomalous.get(0).value()).isEqualTo(scored.get(0).value());
    JsonNode e = new ObjectMapper().readTree(scored.get(0).value());
    for (String field : List.of("imageId", "source", "score", "threshold", "anomalous", "normalizedScore",
        "region", "model", "capturedAt", "scoredAt", "latencyMs", "input")) {
      assertThat(e.has(field)).as(field).isTrue();
    }
    for (String field : List.of("x", "y", "width", "height", "areaPct")) {
      assertThat(e.get("region").has(field)).as("region." + field).isTrue();
    }
    for (String field : List.of("name", "version", "provider")) {
      assertThat(e.get("model").has(field)).as("model." + field).isTrue();
    }
    assertThat(e.get("anomalous").asBoolean()).isTrue();
    assertThat(e.get("score").asDouble()).isGreaterThan(e.get("threshold").asDouble());
    assertThat(e.get("normalizedScore").asDouble()).isBetween(0.5, 1.0);
    assertThat(e.get("model").get("provider").asText()).isEqualTo("cpu");
    assertThat(e.get("input").get("topic").asText()).isEqualTo("images");
    assertThat(e.get("imageId").asText()).isEqualTo("images-0-0");
    // The region covers the injected hole.
    JsonNode r = e.get("region");
    float[] mask = s.mask().pixels();
    boolean overlaps = false;
    for (int y = r.get("y").asInt(); y < r.get("y").asInt() + r.get("height").asInt(); y++) {
      for (int x = r.get("x").asInt(); x < r.get("x").asInt() + r.get("width").asInt(); x++) {
        overlaps |= mask[y * 64 + x] > 0;
      }
    }
    assertThat(overlaps).as("region %s overlaps the defect mask", r).isTrue();
  }

  @Test
  void everyRejectionGoesToTheDeadLetterTopicUnchanged() {
    byte[] png = TestImages.greyPng(64, 64);
    byte[] bomb = png.clone();
    io.caestream.image.ImageDecoderTestAccess.claimSize(bomb, 50_000, 50_000);
    Map<RejectReason, byte[]> cases = new java.util.LinkedHashMap<>();
    cases.put(RejectReason.EMPTY, new byte[0]);
    cases.put(RejectReason.TOO_LARGE, new byte[300_000]);
    cases.put(RejectReason.TOO_MANY_PIXELS, bomb);
    cases.put(RejectReason.TRUNCATED, Arrays.copyOf(png, png.length - 30));
    cases.put(RejectReason.UNSUPPORTED_FORMAT, "GIF89a\1\0\1\0".getBytes(StandardCharsets.ISO_8859_1));
    cases.put(RejectReason.UNKNOWN_FORMAT, "not an image".getBytes(StandardCharsets.UTF_8));
    int offset = 0;
    for (Map.Entry<RejectReason, byte[]> c : cases.entrySet()) {
      input.pipeInput(new TestRecord<>(key("cam"), c.getValue(), new RecordHeaders().add("x-trace", key("t1"))));
      TestRecord<byte[], byte[]> dead = dlq.readRecord();
      assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo(c.getKey().word());
      assertThat(header(dead, DeadLetterHeaders.MESSAGE)).isNotBlank();
      assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("images");
      assertThat(header(dead, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
      assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo(Integer.toString(offset++));
      assertThat(header(dead, "x-trace")).as("original headers kept").isEqualTo("t1");
      assertThat(dead.value()).isEqualTo(c.getValue());
      assertThat(dead.key()).isEqualTo(key("cam"));
    }
    // Null value, null key and a malformed header.
    input.pipeInput(new TestRecord<>(key("cam"), (byte[]) null));
    assertThat(header(dlq.readRecord(), DeadLetterHeaders.REASON)).isEqualTo("empty");
    input.pipeInput(new TestRecord<>((byte[]) null, png));
    assertThat(header(dlq.readRecord(), DeadLetterHeaders.REASON)).isEqualTo("missing-key");
    input.pipeInput(new TestRecord<>(key("cam"), png, new RecordHeaders().add("image-id", new byte[] {(byte) 0xC3, 0x28})));
    assertThat(header(dlq.readRecord(), DeadLetterHeaders.REASON)).isEqualTo("bad-header");
    byte[] longKey = new byte[ScoreEvent.MAX_SOURCE_BYTES + 1];
    Arrays.fill(longKey, (byte) 'k');
    input.pipeInput(new TestRecord<>(longKey, png));
    TestRecord<byte[], byte[]> badKey = dlq.readRecord();
    assertThat(header(badKey, DeadLetterHeaders.REASON)).isEqualTo("bad-key");
    assertThat(badKey.key()).as("the original key, unchanged").isEqualTo(longKey);
    assertThat(scores.isEmpty()).isTrue();
    assertThat(dlq.isEmpty()).isTrue();
  }

  /**
   * The worst event the scorer can write (the longest key of control bytes, each escaped to six
   * characters; the longest image id of three-byte characters) stays within ScoreEvent.maxBytes,
   * the size start-up demands of the scores and anomalies topics.
   */
  @Test
  void noScoreEventIsLargerThanTheBoundStartUpChecks() throws Exception {
    byte[] key = new byte[ScoreEvent.MAX_SOURCE_BYTES];
    Arrays.fill(key, (byte) 1);
    byte[] id = "\u20ac".repeat(256).getBytes(StandardCharsets.UTF_8);
    input.pipeInput(new TestRecord<>(key, normalImageBelowThreshold(), new RecordHeaders().add("image-id", id)));
    byte[] event = scores.readRecord().value();
    assertThat(new ObjectMapper().readTree(event).get("source").asText()).hasSize(ScoreEvent.MAX_SOURCE_BYTES);
    int bound = ScoreEvent.maxBytes(ModelInfo.of(engine), topics.input());
    // A normal image has no region and no regions: the bound also holds the worst box and
    // MAX_REGIONS worst areas (about 900 bytes) for an anomalous one, and a thresholdFrom of the
    // longest route glob in three-byte characters where this one says "calibration".
    int longestThresholdFrom = ("route:" + "\u20ac".repeat(io.caestream.scoring.SourceRoutes.MAX_GLOB))
        .getBytes(StandardCharsets.UTF_8).length - "calibration".length();
    assertThat(event.length).as("worst event vs the bound %s", bound).isLessThanOrEqualTo(bound)
        .isGreaterThan(bound - 1100 - longestThresholdFrom);
  }

  private static String header(TestRecord<byte[], byte[]> r, String key) {
    var h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
