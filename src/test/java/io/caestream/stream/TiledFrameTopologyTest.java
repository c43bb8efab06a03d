package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.CalibrationImages;
import io.caestream.dataset.GreyImage;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.model.BatchListener;
import io.caestream.scoring.Calibration;
import io.caestream.scoring.Calibrator;
import io.caestream.scoring.ScoringEngine;
import io.caestream.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 256x256 frame scored by the 64x64 bundled model with {@code image.fit=tile}: a frame with two
 * separate holes gives one event whose {@code regions} hold both, in frame pixels, and a heatmap
 * on {@code maps.topic}.
 */
class TiledFrameTopologyTest {
  private static final int FRAME = 256;
  private static final int[][] HOLES = {{50, 60}, {190, 170}};

  @Test
  void aFrameWithTwoDefectsHasBothInItsRegionsInFramePixels(@TempDir Path dir) throws Exception {
    SyntheticSurfaces frames = new SyntheticSurfaces(FRAME, 32, 21, List.of(SyntheticSurfaces.Surface.METAL));
    List<Path> normals = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Path f = dir.resolve(String.format("normal-%02d.png", i));
      frames.normal(i).image().writePng(f);
      normals.add(f);
    }
    Path model = dir.resolve("tile-model.onnx");
    Files.copy(ExternalTool.projectRoot().resolve("models/synthetic-surface.onnx"), model);
    Map<String, String> settings = Map.of(CaeConfig.MODEL_PATH, model.toString(),
        CaeConfig.IMAGE_FIT, "tile", CaeConfig.MAPS_TOPIC, "image-maps");
    CaeConfig config = CaeConfig.defaults().with(settings);
    CalibrationImages.Choice choice = CalibrationImages.alternate(normals, "frames");
    try (ScoringEngine raw = ScoringEngine.open(config, BatchListener.NONE, ScoringEngine.Purpose.CALIBRATE)) {
      Calibration c = Calibrator.calibrate(raw.scorer(), choice.files(), choice.normalization(), 0.995,
          raw.model().metadata().sha256(), 2, n -> { });
      c.write(dir.resolve("tile-model.calibration.json"));
    }

    GreyImage defective = frames.normal(1000).image();
    for (int[] h : HOLES) {
      for (int y = h[1] - 5; y <= h[1] + 5; y++) {
        for (int x = h[0] - 5; x <= h[0] + 5; x++) {
          if ((x - h[0]) * (x - h[0]) + (y - h[1]) * (y - h[1]) <= 25) {
            defective.set(x, y, 0.05f);
          }
        }
      }
    }
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      Topics topics = Topics.from(config);
      Properties p = StreamsSettings.of(config.with(Map.of("kafka.bootstrap.servers", "unused:9092")));
      try (TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(topics,
          RoutedScorer.of(engine), StreamListener.NONE), p)) {
        ByteArraySerializer s = new ByteArraySerializer();
        ByteArrayDeserializer d = new ByteArrayDeserializer();
        TestInputTopic<byte[], byte[]> input = driver.createInputTopic(topics.input(), s, s);
        TestOutputTopic<byte[], byte[]> scores = driver.createOutputTopic(topics.scores(), d, d);
        TestOutputTopic<byte[], byte[]> maps = driver.createOutputTopic("image-maps", d, d);
        input.pipeInput(new TestRecord<>("line-1/cam-4".getBytes(StandardCharsets.UTF_8),
            defective.toPng(), new RecordHeaders().add("image-id", "frame-7".getBytes(StandardCharsets.UTF_8))));

        JsonNode e = new ObjectMapper().readTree(scores.readValue());
        assertThat(e.get("anomalous").asBoolean()).as("event %s", e).isTrue();
        JsonNode regions = e.get("regions");
        assertThat(regions.size()).as("regions %s", regions).isBetween(2, 5);
        for (JsonNode r : regions) {
          assertThat(r.get("x").asInt() + r.get("width").asInt()).isLessThanOrEqualTo(FRAME);
          assertThat(r.get("y").asInt() + r.get("height").asInt()).isLessThanOrEqualTo(FRAME);
          assertThat(r.has("peak")).isTrue();
        }
        for (int[] h : HOLES) {
          boolean covered = false;
          for (JsonNode r : regions) {
            int x = r.get("x").asInt();
            int y = r.get("y").asInt();
            covered |= h[0] >= x && h[0] < x + r.get("width").asInt() && h[1] >= y
                && h[1] < y + r.get("height").asInt();
          }
          assertThat(covered).as("a region around the hole at %d,%d in %s", h[0], h[1], regions).isTrue();
        }
        for (String f : List.of("x", "y", "width", "height", "areaPct")) {
          assertThat(e.get("region").get(f)).as("region is the worst of regions: %s", f).isEqualTo(regions.get(0).get(f));
        }

        TestRecord<byte[], byte[]> map = maps.readRecord();
        assertThat(map.value()).startsWith(0x89, 'P', 'N', 'G');
        assertThat(new String(map.headers().lastHeader("image-id").value(), StandardCharsets.UTF_8))
            .isEqualTo("frame-7");
        assertThat(new String(map.key(), StandardCharsets.UTF_8)).isEqualTo("line-1/cam-4");
      }
    }
  }
}
