package io.caestream.stream;

import io.caestream.image.ImageRejectedException;
import io.caestream.scoring.Heatmaps;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoreResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each image record into exactly one result: a score event (plus an anomaly event when
 * anomalous) or a dead letter. A model failure is thrown, not dead-lettered: it is the scorer's
 * fault, not the image's.
 *
 * <p>Unbuffered ({@link ScoringBuffer#max} 1), an image is scored and its results forwarded before
 * {@code process()} returns. Buffered, images wait in the task's changelogged store until the
 * buffer is full or its oldest image has waited {@link ScoringBuffer#waitMs}; then they go to the
 * scoring pool as one batch and the stream thread goes on reading. A finished batch's results are
 * forwarded in input order at the next record or punctuation, and its store entries deleted. A
 * task has at most {@link #MAX_IN_FLIGHT} batches in the pool, and the tasks of an instance
 * together what {@link ScoringBuffer#quota} allows; images that have waited long enough but find
 * no room keep waiting (and the buffer filling) without stopping the stream thread, which waits
 * for the pool only when a buffer is full.
 * Either way an offset commits only together with its image's results or its buffered copy, in
 * one transaction (exactly-once).
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  static final String TO_SCORES = "to-scores";
  static final String TO_ANOMALIES = "to-anomalies";
  static final String TO_DLQ = "to-dlq";
  static final String TO_MAPS = "to-maps";
  static final String TO_SHADOW = "to-shadow";
  /** The buffer's store; its changelog topic is {@code <application.id>-scoring-buffer-changelog}. */
  static final String BUFFER_STORE = "scoring-buffer";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringProcessor.class);
  private final SourceScorer scorer;
  private final int maxDeadLetterBytes;
  private final StreamListener listener;
  private final boolean mapsTopic;
  private final boolean shadowTopic;
  private final ScoringBuffer buffer;
  private final ImageScorer.KeepMap keep;
  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Integer, byte[]> store;
  /** Buffered images not yet handed to the pool, in input order, kept decoded. */
  private List<Waiting> pending = new ArrayList<>();
  private long pendingBytes;
  /** Batches the pool is scoring, oldest first; their images stay in the store until forwarded. */
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  /** Store keys in use: freed keys are reused, so the cache folds a commit's tombstones per key. */
  private final BitSet usedSlots = new BitSet();
  private Cancellable punctuator;
  /** Batches one task may have in the pool: the next is queued while the pool finishes one. */
  private static final int MAX_IN_FLIGHT = 2;

  /**
   * A buffered image: its store key, when it arrived on the stream's clock (what the wait is
   * measured on) and on System.nanoTime (for latencyMs).
   */
  private record Waiting(int slot, PendingImage image, long arrivedMs, long arrivedNanos) {}

  /** Images handed to the pool and their verdicts, filled in when {@code done} completes. */
  private record Batch(List<Waiting> images, Verdict[] verdicts, CompletableFuture<?> done) {}

  /** One record's results, built off the stream thread; forwarding them is the stream thread's. */
  private sealed interface Verdict permits Scored, Rejected {}

  private record Scored(SourceScorer.Scored scored, byte[] eventJson, String imageId, byte[] shadowEvent,
      byte[] heatmap, long nanos) implements Verdict {}

  private record Rejected(String reason, String message, ModelInfo model) implements Verdict {}

  ScoringProcessor(SourceScorer scorer, StreamListener listener, int maxDeadLetterBytes, boolean mapsTopic,
      boolean shadowTopic, ScoringBuffer buffer) {
    this.mapsTopic = mapsTopic;
    this.shadowTopic = shadowTopic;
    this.keep = mapsTopic || listener.wantsHeatmaps() ? ImageScorer.KeepMap.ANOMALOUS
        : ImageScorer.KeepMap.NEVER;
    this.maxDeadLetterBytes = maxDeadLetterBytes;
    this.scorer = scorer;
    this.listener = listener;
    this.buffer = buffer;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(BUFFER_STORE);
    pending = new ArrayList<>();
    pendingBytes = 0;
    abandonInFlight();
    usedSlots.clear();
    long now = System.nanoTime();
    // What a previous owner of this task buffered and committed but did not score (a crash, a
    // rebalance, a shutdown): restored from the changelog, due at the first punctuation. One
    // task reads one partition, so offset order is input order.
    try (KeyValueIterator<Integer, byte[]> it = store.all()) {
      it.forEachRemaining(kv -> {
        pending.add(new Waiting(kv.key, PendingImage.fromBytes(kv.value), 0, now));
        usedSlots.set(kv.key);
      });
    }
    pending.sort(Comparator.comparingLong((Waiting w) -> w.image().offset()));
    if (!pending.isEmpty()) {
      LOG.info("task {}: {} buffered images restored, scoring them first", context.taskId(), pending.size());
    }
    if (buffer.buffered() || !pending.isEmpty()) {
      punctuator = context.schedule(Duration.ofMillis(ScoringBuffer.checkIntervalMs(buffer.waitMs())),
          PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long arrived = System.nanoTime();
    long arrivedMs = context.currentSystemTimeMs();
    RecordMetadata meta = context.recordMetadata().orElse(null);
    PendingImage image = meta == null ? PendingImage.of(record, "", -1, -1)
        : PendingImage.of(record, meta.topic(), meta.partition(), meta.offset());
    long size = image.sizeInBytes();
    if (!buffer.buffered() || size > buffer.maxRecordBytes()) {
      // Unbuffered, or too big for the changelog (and so for any image limit): judged right here,
      // after what waits before it. An unexpected error reaches Kafka Streams' handler with this record.
      drain();
      emit(image, judge(image, arrived));
      return;
    }
    int slot = usedSlots.nextClearBit(0);
    usedSlots.set(slot);
    store.put(slot, image.toBytes());
    pending.add(new Waiting(slot, image, arrivedMs, arrived));
    pendingBytes += size;
    emitFinished(); // frees room in the pool
    if (full()) {
      startBatch();
    } else if (waitedEnough(arrivedMs)) {
      startBatchIfRoom();
    }
    emitFinished();
  }

  private void punctuate(long nowMs) {
    if (!buffer.buffered()) {
      drain();
      punctuator.cancel();
      return;
    }
    emitFinished();
    if (waitedEnough(nowMs)) {
      startBatchIfRoom();
      emitFinished();
    }
  }

  private boolean waitedEnough(long nowMs) {
    return !pending.isEmpty() && nowMs - pending.get(0).arrivedMs() >= buffer.waitMs();
  }

  private boolean full() {
    return pending.size() >= buffer.max() || pendingBytes >= buffer.maxBytes();
  }

  /**
   * Hands what waits to the pool if the task has room there (nothing in the pool yet, or fewer
   * than {@link #MAX_IN_FLIGHT} batches and the quota allows one more); else the images keep
   * waiting, the stream thread goes on reading, and the next record or punctuation tries again.
   * Waiting for the pool here, below a full buffer, held every task of the thread behind one
   * task's batch: at half of the maximum rate that wait was most of the time an image spent
   * before the scorer.
   */
  private void startBatchIfRoom() {
    if (pending.isEmpty() || inFlight.size() >= MAX_IN_FLIGHT) {
      return;
    }
    if (!buffer.quota().tryTake()) {
      if (!inFlight.isEmpty()) {
        return;
      }
      buffer.quota().take(); // no task waits for other tasks' batches (see BatchQuota)
    }
    handOver();
  }

  /**
   * Hands what waits to the pool as one batch, now. Past {@link #MAX_IN_FLIGHT} batches the
   * stream thread first waits for the oldest: with the buffer full, the pool is the bottleneck,
   * and polling more would only grow the buffer.
   */
  private void startBatch() {
    if (pending.isEmpty()) {
      return;
    }
    while (inFlight.size() >= MAX_IN_FLIGHT) {
      emit(inFlight.removeFirst());
    }
    while (!buffer.quota().tryTake()) {
      if (inFlight.isEmpty()) {
        buffer.quota().take();
        break;
      }
      emit(inFlight.removeFirst());
    }
    handOver();
  }

  /** What waits becomes one batch in the pool; the caller has its place in the quota. */
  private void handOver() {
    inFlight.addLast(score(pending));
    pending = new ArrayList<>();
    pendingBytes = 0;
  }

  /**
   * The task closes (a rebalance, a failure, a shutdown) with batches in the pool: their images
   * are still in the store, so whoever takes the task scores them again; only the quota is given back.
   */
  @Override
  public void close() {
    abandonInFlight();
  }

  private void abandonInFlight() {
    while (!inFlight.isEmpty()) {
      inFlight.removeFirst();
      buffer.quota().give();
    }
  }

  /** Forwards the results of the batches that are done, oldest first, so output keeps input order. */
  private void emitFinished() {
    while (!inFlight.isEmpty() && inFlight.peekFirst().done().isDone()) {
      emit(inFlight.removeFirst());
    }
  }

  /** Scores and forwards everything buffered, before this returns. */
  private void drain() {
    startBatch();
    while (!inFlight.isEmpty()) {
      emit(inFlight.removeFirst());
    }
  }

  /**
   * Waits for the batch, forwards its results in input order and frees its store entries. A
   * model failure is thrown so that the transaction aborts and the images are scored again.
   */
  private void emit(Batch batch) {
    try {
      batch.done().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } finally {
      buffer.quota().give();
    }
    for (int i = 0; i < batch.images().size(); i++) {
      emitOrDeadLetter(batch.images().get(i).image(), batch.verdicts()[i]);
    }
    for (Waiting w : batch.images()) {
      store.delete(w.slot());
      usedSlots.clear(w.slot());
    }
  }

  /**
   * Up to {@link ScoringBuffer#helpers} pool threads take the batch's images from one counter, so
   * none sits idle while another still has a queue. An unexpected error dead-letters its own
   * image (Kafka Streams' handler would blame whichever record happens to be current).
   */
  private Batch score(List<Waiting> images) {
    Verdict[] verdicts = new Verdict[images.size()];
    AtomicInteger next = new AtomicInteger();
    Runnable work = () -> {
      for (int i = next.getAndIncrement(); i < images.size(); i = next.getAndIncrement()) {
        Waiting w = images.get(i);
        verdicts[i] = judgeOrDeadLetter(w.image(), w.arrivedNanos());
      }
    };
    int helpers = Math.min(buffer.helpers(), images.size());
    CompletableFuture<?>[] running = new CompletableFuture<?>[helpers];
    for (int h = 0; h < helpers; h++) {
      running[h] = CompletableFuture.runAsync(work, buffer.pool());
    }
    return new Batch(images, verdicts, CompletableFuture.allOf(running));
  }

  private Verdict judgeOrDeadLetter(PendingImage image, long arrivedNanos) {
    try {
      return judge(image, arrivedNanos);
    } catch (RuntimeException e) {
      if (UnexpectedErrorHandler.isModelFailure(e)) {
        throw e;
      }
      return internalError(image, e);
    }
  }

  /** Everything about one record that can fail, and nothing that forwards: safe on any thread. */
  private Verdict judge(PendingImage image, long arrivedNanos) {
    byte[] key = image.key();
    try {
      if (key == null) {
        throw new RecordRejectedException(RecordProblem.MISSING_KEY, "the record has no key (source id)");
      }
      if (key.length > ScoreEvent.MAX_SOURCE_BYTES) {
        // The key goes into the event: a bounded key keeps every event within ScoreEvent.maxBytes.
        throw new RecordRejectedException(RecordProblem.BAD_KEY, "the record key (source id) is "
            + key.length + " bytes, more than " + ScoreEvent.MAX_SOURCE_BYTES);
      }
      String imageId = RecordHeaderCheck.imageId(image.headers());
      String source = new String(key, StandardCharsets.UTF_8);
      SourceScorer.Scored scored = scorer.score(source, image.value(), keep);
      ScoreResult result = scored.result();
      String id = imageId != null ? imageId : image.topic() + "-" + image.partition() + "-" + image.offset();
      ScoreEvent.Input input = new ScoreEvent.Input(image.topic(), image.partition(), image.offset());
      byte[] event = ScoreEvent.of(id, source, result, scored.thresholdFrom(), scored.model().event(),
          image.timestamp(), (System.nanoTime() - arrivedNanos) / 1e6, input).toJson();
      byte[] heatmap = result.map() == null ? null : Heatmaps.greyPng(result.map(), scored.pixelThreshold());
      SourceScorer.Shadow shadow = scored.shadow();
      byte[] shadowEvent = shadow == null || shadow.result() == null || !shadowTopic ? null
          : ScoreEvent.of(id, source, shadow.result(), "calibration", shadow.model().event(),
              image.timestamp(), (System.nanoTime() - arrivedNanos) / 1e6, input).toJson();
      return new Scored(scored, event, id, shadowEvent, heatmap, System.nanoTime() - arrivedNanos);
    } catch (RecordRejectedException e) {
      return new Rejected(e.problem().word(), e.getMessage(), null);
    } catch (ImageRejectedException e) {
      // The record had a source (else it would be a record problem), so it had a model.
      return new Rejected(e.reason().word(), e.getMessage(),
          scorer.modelFor(new String(key, StandardCharsets.UTF_8)));
    }
  }

  /**
   * What Kafka Streams' handler does for the current record, done here for a buffered one: a
   * failure before its first forward (a listener's, say) makes the dead letter its only result.
   * Kafka's own failures and model failures fail the thread, so the transaction aborts.
   */
  private void emitOrDeadLetter(PendingImage image, Verdict verdict) {
    try {
      emit(image, verdict);
    } catch (RuntimeException e) {
      if (e instanceof KafkaException || UnexpectedErrorHandler.isModelFailure(e)) {
        throw e;
      }
      emit(image, internalError(image, e));
    }
  }

  private static Rejected internalError(PendingImage image, RuntimeException e) {
    LOG.error("unexpected error on {}-{}@{}; dead-lettering the record", image.topic(), image.partition(),
        image.offset(), e);
    return new Rejected(RecordProblem.INTERNAL_ERROR.word(), String.valueOf(e), null);
  }

  /** Forwards one record's results; the stream thread's part. */
  private void emit(PendingImage image, Verdict verdict) {
    Record<byte[], byte[]> record = image.record();
    if (verdict instanceof Rejected r) {
      DeadLetter d = DeadLetter.of(image.key(), image.value(), image.headers(), r.reason(), r.message(),
          image.topic(), image.partition(), image.offset(), maxDeadLetterBytes);
      listener.rejected(r.model(), r.reason());
      context.forward(record.withKey(d.key()).withValue(d.value()).withHeaders(d.headers()), TO_DLQ);
      return;
    }
    Scored s = (Scored) verdict;
    ModelInfo model = s.scored().model();
    ScoreResult result = s.scored().result();
    Record<byte[], byte[]> out = record.withValue(s.eventJson()).withHeaders(new RecordHeaders());
    listener.scored(model, result, s.nanos());
    if (s.scored().shadow() != null) {
      listener.shadowCompared(model, result, s.scored().shadow());
    }
    context.forward(out, TO_SCORES);
    if (s.shadowEvent() != null) {
      // The shadow's verdict goes to its own topic only: it never raises an anomaly event.
      context.forward(out.withValue(s.shadowEvent()), TO_SHADOW);
    }
    if (result.anomalous()) {
      context.forward(out, TO_ANOMALIES);
      if (mapsTopic && s.heatmap() != null) {
        var headers = new RecordHeaders()
            .add("image-id", s.imageId().getBytes(StandardCharsets.UTF_8))
            .add("content-type", "image/png".getBytes(StandardCharsets.UTF_8));
        context.forward(out.withValue(s.heatmap()).withHeaders(headers), TO_MAPS);
      }
      publishToViewer(out.value(), image.value(), result, s.heatmap());
    }
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
}
