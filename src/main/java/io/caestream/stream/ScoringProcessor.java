package io.caestream.stream;

import io.caestream.image.ImageRejectedException;
import io.caestream.scoring.Heatmaps;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoreResult;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Scores one image per {@code process()} call and forwards exactly one result before returning:
 * a score event (plus an anomaly event when anomalous) or a dead letter. Nothing is held across
 * calls, so an offset is only ever committed together with its image's result (exactly-once).
 * A model failure is thrown, not dead-lettered: it is the scorer's fault, not the image's.
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  static final String TO_SCORES = "to-scores";
  static final String TO_ANOMALIES = "to-anomalies";
  static final String TO_DLQ = "to-dlq";
  static final String TO_MAPS = "to-maps";
  static final String TO_SHADOW = "to-shadow";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringProcessor.class);
  private final SourceScorer scorer;
  private final int maxDeadLetterBytes;
  private final StreamListener listener;
  private final boolean mapsTopic;
  private final boolean shadowTopic;
  private final ImageScorer.KeepMap keep;
  private ProcessorContext<byte[], byte[]> context;

  ScoringProcessor(SourceScorer scorer, StreamListener listener, int maxDeadLetterBytes, boolean mapsTopic,
      boolean shadowTopic) {
    this.mapsTopic = mapsTopic;
    this.shadowTopic = shadowTopic;
    this.keep = mapsTopic || listener.wantsHeatmaps() ? ImageScorer.KeepMap.ANOMALOUS
        : ImageScorer.KeepMap.NEVER;
    this.maxDeadLetterBytes = maxDeadLetterBytes;
    this.scorer = scorer;
    this.listener = listener;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  /** The viewer is a nicety: it must never fail a record whose results are already forwarded. */
  private void publishToViewer(byte[] eventJson, byte[] image, ScoreResult result, byte[] heatmap) {
    try {
      listener.anomalyPublished(eventJson, image, result.source().width(), result.source().height(),
          listener.wantsHeatmaps() ? heatmap : null);
    } catch (RuntimeException e) {
      LOG.warn("live viewer update failed: {}", e.toString());
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long start = System.nanoTime();
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String topic = meta == null ? "" : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    try {
      if (record.key() == null) {
        throw new RecordRejectedException(RecordProblem.MISSING_KEY, "the record has no key (source id)");
      }
      if (record.key().length > ScoreEvent.MAX_SOURCE_BYTES) {
        // The key goes into the event: a bounded key keeps every event within ScoreEvent.maxBytes.
        throw new RecordRejectedException(RecordProblem.BAD_KEY, "the record key (source id) is "
            + record.key().length + " bytes, more than " + ScoreEvent.MAX_SOURCE_BYTES);
      }
      String imageId = RecordHeaderCheck.imageId(record.headers());
      String source = new String(record.key(), StandardCharsets.UTF_8);
      SourceScorer.Scored scored = scorer.score(source, record.value(), keep);
      ModelInfo model = scored.model();
      ScoreResult result = scored.result();
      long end = System.nanoTime();
      ScoreEvent event = ScoreEvent.of(imageId != null ? imageId : topic + "-" + partition + "-" + offset,
          source, result, scored.thresholdFrom(), model.event(), record.timestamp(), (end - start) / 1e6,
          new ScoreEvent.Input(topic, partition, offset));
      Record<byte[], byte[]> out = record.withValue(event.toJson()).withHeaders(new RecordHeaders());
      byte[] heatmap = result.map() == null ? null : Heatmaps.greyPng(result.map(), scored.pixelThreshold());
      SourceScorer.Shadow shadow = scored.shadow();
      byte[] shadowEvent = shadow == null || shadow.result() == null || !shadowTopic ? null
          : ScoreEvent.of(event.imageId(), source, shadow.result(), "calibration", shadow.model().event(),
              record.timestamp(), (System.nanoTime() - start) / 1e6, new ScoreEvent.Input(topic, partition, offset))
              .toJson();
      // Everything that can fail runs before the first forward: a failure then leaves no partial
      // output, and the error handler's dead letter is this record's one and only result.
      listener.scored(model, result, System.nanoTime() - start);
      if (shadow != null) {
        listener.shadowCompared(model, result, shadow);
      }
      context.forward(out, TO_SCORES);
      if (shadowEvent != null) {
        // The shadow's verdict goes to its own topic only: it never raises an anomaly event.
        context.forward(out.withValue(shadowEvent), TO_SHADOW);
      }
      if (result.anomalous()) {
        context.forward(out, TO_ANOMALIES);
        if (mapsTopic && heatmap != null) {
          var headers = new RecordHeaders()
              .add("image-id", event.imageId().getBytes(StandardCharsets.UTF_8))
              .add("content-type", "image/png".getBytes(StandardCharsets.UTF_8));
          context.forward(out.withValue(heatmap).withHeaders(headers), TO_MAPS);
        }
        publishToViewer(out.value(), record.value(), result, heatmap);
      }
    } catch (RecordRejectedException e) {
      deadLetter(record, e.problem().word(), e.getMessage(), null, topic, partition, offset);
    } catch (ImageRejectedException e) {
      // The record had a source (else it would be a record problem), so it had a model.
      ModelInfo model = scorer.modelFor(new String(record.key(), StandardCharsets.UTF_8));
      deadLetter(record, e.reason().word(), e.getMessage(), model, topic, partition, offset);
    }
  }

  private void deadLetter(Record<byte[], byte[]> record, String reason, String message, ModelInfo model,
      String topic, int partition, long offset) {
    DeadLetter d = DeadLetter.of(record.key(), record.value(), record.headers(), reason, message, topic,
        partition, offset, maxDeadLetterBytes);
    context.forward(record.withKey(d.key()).withValue(d.value()).withHeaders(d.headers()), TO_DLQ);
    listener.rejected(model, reason);
  }
}
