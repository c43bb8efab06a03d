package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelFailureException;
import io.caestream.scoring.ScoringEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The buffered processor on the TopologyTestDriver: what waits where, in which order it comes out. */
class ScoringBufferTest {
  private static ScoringEngine engine;
  private static ExecutorService pool;
  private static final SyntheticSurfaces SURFACES = new SyntheticSurfaces(64, 4711,
      List.of(SyntheticSurfaces.Surface.values()));
  private final Topics topics = Topics.from(CaeConfig.defaults());

  @BeforeAll
  static void open() {
    engine = ScoringEngine.open(CaeConfig.defaults(), BatchListener.NONE);
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void close() {
    engine.close();
    pool.shutdownNow();
  }

  /** Scored on the calling thread, so each batch is done the moment it starts: outputs are deterministic. */
  private static ScoringBuffer buffer(int max, long waitMs) {
    return new ScoringBuffer(max, 1 << 20, waitMs, 1 << 20, Runnable::run, 1);
  }

  private TopologyTestDriver driver(SourceScorer scorer, ScoringBuffer buffer) {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "unused:9092")));
    return new TopologyTestDriver(ScoringTopology.build(topics, scorer, StreamListener.NONE, 1 << 20, buffer), p);
  }

  private static TestInputTopic<byte[], byte[]> in(TopologyTestDriver d, Topics topics) {
    return d.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static TestOutputTopic<byte[], byte[]> out(TopologyTestDriver d, String topic) {
    return d.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static TestRecord<byte[], byte[]> image(String source, String id, byte[] value) {
    return new TestRecord<>(source == null ? null : source.getBytes(StandardCharsets.UTF_8), value,
        new RecordHeaders().add("image-id", id.getBytes(StandardCharsets.UTF_8)), 1_764_000_000_000L);
  }

  private static byte[] png(int i) {
    return SURFACES.normal(i).image().toPng();
  }

  private static List<String> ids(TestOutputTopic<byte[], byte[]> topic) throws Exception {
    List<String> ids = new ArrayList<>();
    for (var r : topic.readRecordsToList()) {
      ids.add(new ObjectMapper().readTree(r.value()).get("imageId").asText());
    }
    return ids;
  }

  private static String reason(TestRecord<byte[], byte[]> deadLetter) {
    return new String(deadLetter.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8);
  }

  /**
   * Ticks the wall clock (finished batches are forwarded at punctuations) until {@code seen}
   * holds {@code n} image ids, or about 3 s have passed.
   */
  private static void awaitScored(TopologyTestDriver d, TestOutputTopic<byte[], byte[]> scores, List<String> seen,
      int n) throws Exception {
    for (int tick = 0; tick < 600 && seen.size() < n; tick++) {
      d.advanceWallClockTime(Duration.ofMillis(1));
      Thread.sleep(5);
      seen.addAll(ids(scores));
    }
  }

  private static long entries(TopologyTestDriver d) {
    KeyValueStore<Integer, byte[]> store = d.getKeyValueStore(ScoringProcessor.BUFFER_STORE);
    long n = 0;
    try (var it = store.all()) {
      for (; it.hasNext(); it.next()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void imagesWaitInTheStoreUntilTheBufferIsFullThenComeOutInInputOrder() throws Exception {
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), buffer(4, 60_000))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      for (int i = 0; i < 3; i++) {
        in.pipeInput(image("line-1/cam-" + i, "img-" + i, png(i)));
      }
      assertThat(scores.isEmpty()).as("nothing is scored before the buffer is full").isTrue();
      assertThat(entries(d)).as("the waiting images are in the changelogged store").isEqualTo(3);
      assertThat(d.producedTopicNames()).as("the changelog's name, which bench cleans up")
          .contains(ScoringTopology.bufferChangelog(CaeConfig.defaults().string(CaeConfig.APPLICATION_ID)));
      in.pipeInput(image("line-1/cam-3", "img-3", png(3)));
      assertThat(ids(scores)).containsExactly("img-0", "img-1", "img-2", "img-3");
      assertThat(entries(d)).as("scored images leave the store").isZero();
    }
  }

  @Test
  void aPartlyFilledBufferIsScoredOnceItsOldestImageHasWaited() throws Exception {
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), buffer(8, 50))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      in.pipeInput(image("line-1/cam-1", "a", png(1)));
      in.pipeInput(image("line-1/cam-1", "b", png(2)));
      d.advanceWallClockTime(Duration.ofMillis(20));
      assertThat(scores.isEmpty()).as("the oldest image has waited 20 of 50 ms").isTrue();
      d.advanceWallClockTime(Duration.ofMillis(40));
      assertThat(ids(scores)).containsExactly("a", "b");
      assertThat(entries(d)).isZero();
    }
  }

  @Test
  void batchesScoredOnThePoolComeOutInInputOrderAcrossBatches() throws Exception {
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), new ScoringBuffer(3, 1 << 20, 60_000, 1 << 20, pool, 2))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        sent.add("img-" + i);
        in.pipeInput(image("line-1/cam-" + (i % 3), "img-" + i, png(i)));
      }
      List<String> seen = new ArrayList<>(ids(scores));
      // Finished batches are forwarded at punctuations; the last, partial one waits 60 s.
      awaitScored(d, scores, seen, 9);
      assertThat(seen).containsExactlyElementsOf(sent.subList(0, 9));
      assertThat(entries(d)).as("the tenth image still waits in the store").isEqualTo(1);
      d.advanceWallClockTime(Duration.ofSeconds(61));
      awaitScored(d, scores, seen, 10);
      assertThat(seen).containsExactlyElementsOf(sent);
      assertThat(entries(d)).isZero();
    }
  }

  @Test
  void theQuotaBoundsTheBatchesInThePoolAndIsGivenBack() throws Exception {
    BatchQuota quota = new BatchQuota(1);
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    // Slow enough that, without the quota, a task's second batch starts while its first is scored.
    java.util.concurrent.Executor slow = r -> pool.execute(() -> {
      most.accumulateAndGet(quota.inPool(), Math::max);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      r.run();
    });
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), new ScoringBuffer(2, 1 << 20, 60_000, 1 << 20, slow, 1, quota))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      for (int i = 0; i < 8; i++) {
        in.pipeInput(image("line-1/cam-0", "img-" + i, png(i)));
      }
      List<String> seen = new ArrayList<>(ids(scores));
      awaitScored(d, scores, seen, 8);
      assertThat(seen).hasSize(8);
      assertThat(most.get()).as("batches in the pool at once").isEqualTo(1);
      assertThat(quota.inPool()).as("every forwarded batch gives its place back").isZero();
      in.pipeInput(image("line-1/cam-0", "img-8", png(8)));
      in.pipeInput(image("line-1/cam-0", "img-9", png(9)));
    }
    assertThat(quota.inPool()).as("a batch abandoned when its task closes gives its place back").isZero();
  }

  @Test
  void imagesThatFindThePoolBusyWaitOnWithoutStoppingTheStreamThreadUntilTheBufferIsFull() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.Executor stuck = r -> pool.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      r.run();
    });
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), new ScoringBuffer(3, 1 << 20, 10, 1 << 20, stuck, 1))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      List<String> sent = List.of("a", "b", "c", "d", "e");
      // a and b each wait 10 ms and go to the pool as a batch of their own: the task's two places there
      for (String id : sent.subList(0, 2)) {
        in.pipeInput(image("line-1/cam-1", id, png(id.charAt(0))));
        d.advanceWallClockTime(Duration.ofMillis(10));
      }
      // c and d have waited long enough too, but find no place: a stream thread that waited for
      // the pool here would never return (the pool is stuck), and neither would this test
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        for (String id : sent.subList(2, 4)) {
          in.pipeInput(image("line-1/cam-1", id, png(id.charAt(0))));
          d.advanceWallClockTime(Duration.ofMillis(10));
        }
      });
      assertThat(scores.isEmpty()).isTrue();
      assertThat(entries(d)).as("everything not yet scored is in the store").isEqualTo(4);
      release.countDown();
      // e fills the buffer (c, d, e): now the stream thread waits for a place and hands them over
      in.pipeInput(image("line-1/cam-1", "e", png('e')));
      List<String> seen = new ArrayList<>(ids(scores));
      awaitScored(d, scores, seen, sent.size());
      assertThat(seen).containsExactlyElementsOf(sent);
      assertThat(entries(d)).isZero();
    }
  }

  @Test
  void imagesThatHaveWaitedGoToThePoolWhenTheirTaskHasNothingThereEvenWithTheQuotaUsedUp() throws Exception {
    BatchQuota quota = new BatchQuota(1);
    assertThat(quota.tryTake()).as("another task's batch").isTrue();
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), new ScoringBuffer(8, 1 << 20, 10, 1 << 20, Runnable::run, 1,
        quota))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      in.pipeInput(image("line-1/cam-1", "a", png(1)));
      d.advanceWallClockTime(Duration.ofMillis(10));
      assertThat(ids(scores)).as("not held until the buffer is full").containsExactly("a");
    }
    assertThat(quota.inPool()).as("its place given back").isEqualTo(1);
  }

  @Test
  void aTaskWithNothingInThePoolStartsABatchWhateverTheQuotaSays() {
    BatchQuota quota = new BatchQuota(1);
    assertThat(quota.tryTake()).isTrue();
    assertThat(quota.tryTake()).isFalse();
    quota.take();
    assertThat(quota.inPool()).isEqualTo(2);
    quota.give();
    quota.give();
    assertThat(quota.tryTake()).isTrue();
    assertThatThrownBy(() -> new BatchQuota(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBufferFullOfBytesIsScoredBeforeItIsFullOfImages() throws Exception {
    byte[] first = png(1);
    byte[] second = png(2);
    long twoImages = PendingImage.of(new Record<>(new byte[12], first, 0L, new RecordHeaders()), "images", 0, 0)
        .sizeInBytes() + 200;
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine),
        new ScoringBuffer(100, twoImages, 60_000, 1 << 20, Runnable::run, 1))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      in.pipeInput(image("line-1/cam-1", "a", first));
      assertThat(scores.isEmpty()).isTrue();
      in.pipeInput(image("line-1/cam-1", "b", second));
      assertThat(ids(scores)).as("two images of ~%d bytes fill %d bytes", first.length, twoImages)
          .containsExactly("a", "b");
    }
  }

  @Test
  void badRecordsInTheBufferAreDeadLetteredInTheirPlaceAndTheRestScored() throws Exception {
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), buffer(4, 60_000))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      var dlq = out(d, topics.deadLetters());
      byte[] garbage = "not an image at all".getBytes(StandardCharsets.UTF_8);
      in.pipeInput(image("line-1/cam-1", "ok-1", png(1)));
      in.pipeInput(image("line-1/cam-1", "garbage", garbage));
      in.pipeInput(image(null, "no-key", png(2)));
      in.pipeInput(image("line-1/cam-1", "ok-2", png(3)));
      assertThat(ids(scores)).containsExactly("ok-1", "ok-2");
      List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
      assertThat(dead).extracting(ScoringBufferTest::reason).containsExactly("unknown-format", "missing-key");
      assertThat(dead.get(0).value()).isEqualTo(garbage);
      assertThat(dead.get(0).headers().lastHeader("image-id").value()).isEqualTo("garbage".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void anUnexpectedErrorDeadLettersOnlyItsOwnBufferedImage() throws Exception {
    SourceScorer real = RoutedScorer.of(engine);
    SourceScorer buggy = (source, bytes, keep) -> {
      if (source.equals("line-1/cam-bug")) {
        throw new IllegalStateException("a bug that only this source hits");
      }
      return real.score(source, bytes, keep);
    };
    try (TopologyTestDriver d = driver(buggy, buffer(4, 60_000))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      var dlq = out(d, topics.deadLetters());
      byte[] bugged = png(2);
      in.pipeInput(image("line-1/cam-1", "a", png(1)));
      in.pipeInput(image("line-1/cam-bug", "b", bugged));
      in.pipeInput(image("line-1/cam-1", "c", png(3)));
      in.pipeInput(image("line-1/cam-1", "d", png(4)));
      assertThat(ids(scores)).containsExactly("a", "c", "d");
      TestRecord<byte[], byte[]> dead = dlq.readRecord();
      assertThat(reason(dead)).isEqualTo("internal-error");
      assertThat(dead.value()).isEqualTo(bugged);
      assertThat(dlq.isEmpty()).isTrue();
    }
  }

  @Test
  void aModelFailureInTheBufferFailsInsteadOfDeadLettering() {
    SourceScorer failing = (source, bytes, keep) -> {
      throw new ModelFailureException("ONNX Runtime run failed (faked)", null);
    };
    try (TopologyTestDriver d = driver(failing, buffer(2, 60_000))) {
      var in = in(d, topics);
      var dlq = out(d, topics.deadLetters());
      in.pipeInput(image("line-1/cam-1", "a", png(1)));
      assertThatThrownBy(() -> in.pipeInput(image("line-1/cam-1", "b", png(2))))
          .hasRootCauseInstanceOf(ModelFailureException.class);
      assertThat(dlq.isEmpty()).as("a model failure is never the images' fault").isTrue();
    }
  }

  @Test
  void aRecordTooLargeForTheChangelogIsJudgedAtOnceAfterWhatWaitsBeforeIt() throws Exception {
    try (TopologyTestDriver d = driver(RoutedScorer.of(engine), new ScoringBuffer(4, 1 << 20, 60_000, 40_000, Runnable::run, 1))) {
      var in = in(d, topics);
      var scores = out(d, topics.scores());
      var dlq = out(d, topics.deadLetters());
      in.pipeInput(image("line-1/cam-1", "small", png(1)));
      in.pipeInput(image("line-1/cam-1", "huge", new byte[50_000]));
      assertThat(ids(scores)).containsExactly("small");
      assertThat(reason(dlq.readRecord())).isEqualTo("unknown-format");
      assertThat(entries(d)).isZero();
    }
  }

  /**
   * The crash case without a crash: a store that holds images a previous owner of the task
   * buffered (the changelog restores it before init) is scored at the first punctuation, also by
   * a processor that no longer buffers.
   */
  @Test
  void imagesLeftInTheStoreAreScoredFirstEvenWhenNoLongerBuffering() throws Exception {
    MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    KeyValueStore<Integer, byte[]> store = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ScoringProcessor.BUFFER_STORE), Serdes.Integer(), Serdes.ByteArray())
        .withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    for (int slot = 0; slot < 2; slot++) {
      var r = new Record<>(("line-2/cam-" + slot).getBytes(StandardCharsets.UTF_8), png(10 + slot), 77L,
          new RecordHeaders().add("image-id", ("left-" + slot).getBytes(StandardCharsets.UTF_8)));
      store.put(slot, PendingImage.of(r, "images", 3, 100 + slot).toBytes());
    }
    ScoringProcessor processor = new ScoringProcessor(RoutedScorer.of(engine), StreamListener.NONE, 1 << 20,
        false, false, ScoringBuffer.none());
    processor.init(context);
    assertThat(context.forwarded()).isEmpty();
    assertThat(context.scheduledPunctuators()).hasSize(1);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
    List<String> ids = new ArrayList<>();
    for (var f : context.forwarded()) {
      assertThat(f.childName()).hasValue(ScoringProcessor.TO_SCORES);
      var event = new ObjectMapper().readTree(f.record().value());
      ids.add(event.get("imageId").asText());
      assertThat(event.get("input").get("partition").asInt()).as("the event names where the image was read").isEqualTo(3);
      assertThat(f.record().timestamp()).isEqualTo(77L);
    }
    assertThat(ids).containsExactly("left-0", "left-1");
    assertThat(store.all().hasNext()).as("scored images leave the store").isFalse();
    assertThat(context.scheduledPunctuators().get(0).cancelled()).as("an unbuffered processor stops punctuating").isTrue();
  }

  @Test
  void aPendingImageSurvivesItsChangelogFormat() {
    var headers = new RecordHeaders().add("image-id", "x".getBytes(StandardCharsets.UTF_8)).add("empty", null);
    PendingImage p = new PendingImage("cam".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, headers, 42L,
        "images", 2, 9L);
    byte[] bytes = p.toBytes();
    assertThat(bytes).hasSize((int) p.sizeInBytes());
    PendingImage back = PendingImage.fromBytes(bytes);
    assertThat(back.key()).isEqualTo(p.key());
    assertThat(back.value()).isEqualTo(p.value());
    assertThat(back.headers().toArray()).hasSize(2);
    assertThat(back.headers().lastHeader("image-id").value()).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
    assertThat(back.headers().lastHeader("empty").value()).isNull();
    assertThat(List.of(back.timestamp(), (long) back.partition(), back.offset())).containsExactly(42L, 2L, 9L);
    assertThat(back.topic()).isEqualTo("images");
    PendingImage noKeyNoValue = PendingImage.fromBytes(new PendingImage(null, null, new RecordHeaders(), 0, "t", 0, 0)
        .toBytes());
    assertThat(noKeyNoValue.key()).isNull();
    assertThat(noKeyNoValue.value()).isNull();
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    assertThatThrownBy(() -> PendingImage.fromBytes(truncated)).isInstanceOf(IllegalArgumentException.class);
  }
}
