package io.caestream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.app.LatencyReservoir;
import io.caestream.app.OutputTally;
import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.ScoringTopology;
import io.caestream.stream.StreamsSettings;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The stages of {@code bench} that go through Kafka, on one broker (in-process, or an existing
 * cluster given by {@code --bootstrap}):
 * <ul>
 *   <li><b>kafka</b>: the images, produced in advance, through a pass-through topology that
 *       forwards a fixed {@value #PASS_THROUGH_EVENT_BYTES}-byte event per record, with the same
 *       Kafka Streams settings as {@code serve} (exactly_once_v2, commit interval, threads): what
 *       Kafka alone moves;</li>
 *   <li><b>end-to-end</b>: the same records through {@code serve};</li>
 *   <li><b>latency</b>: {@code serve} fed at a fixed rate while it runs, capture to visible.</li>
 * </ul>
 * Throughput is counted by a read_committed consumer between the arrival of the 10th percentile
 * record and the last one, so start-up, rebalance and the first JIT compilations are not in it.
 */
final class KafkaStages implements AutoCloseable {
  static final int PASS_THROUGH_EVENT_BYTES = 300;
  private static final byte[] PASS_THROUGH_EVENT = passThroughEvent();

  /** One throughput measurement, and where its CPU went over the same records (null if unknown). */
  record Throughput(double imagesPerSec, long images, double seconds, CpuMeter.Use cpu) {}

  /** One latency measurement at a fixed input rate. */
  record Latency(double inputRate, double outputRate, double p50Ms, double p99Ms, double maxMs, long images,
      LatencyParts parts, double warmUpSeconds, double jitCores) {}

  /** How long the JIT compilers are watched at a time before a latency row starts counting. */
  static final double JIT_WINDOW_SECONDS = 5;
  /**
   * Quiet windows in a row before a latency row counts: compilation comes in bursts, and one
   * quiet window let a row start counting with C2 at 0.32 cores for the 30 s after it.
   */
  static final int QUIET_WINDOWS = 2;

  private final EmbeddedKafka embedded;
  private final String bootstrap;
  private final Admin admin;
  private final String run = "bench-" + Long.toString(System.currentTimeMillis(), 36);
  private final List<String> created = new ArrayList<>();
  private final PrintStream log;
  private int next;

  private KafkaStages(EmbeddedKafka embedded, String bootstrap, PrintStream log) {
    this.embedded = embedded;
    this.bootstrap = bootstrap;
    this.log = log;
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    this.admin = Admin.create(p);
  }

  /** On {@code bootstrap}, or (null) on a broker started in this JVM. */
  static KafkaStages open(String bootstrap, PrintStream log) throws Exception {
    if (bootstrap != null) {
      log.printf("  Kafka: existing cluster %s%n", bootstrap);
      return new KafkaStages(null, bootstrap, log);
    }
    EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of());
    log.printf("  Kafka: in-process KRaft broker %s (it shares the CPU with the stages;"
        + " --bootstrap measures a broker of its own)%n", kafka.bootstrapServers());
    return new KafkaStages(kafka, kafka.bootstrapServers(), log);
  }

  String bootstrap() {
    return bootstrap;
  }

  /** A new topic of this run, removed again on close. */
  String topic(String what, int partitions) throws Exception {
    String name = run + "-" + (next++) + "-" + what;
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(
        Map.of("max.message.bytes", Integer.toString(64 << 20))))).all().get(60, TimeUnit.SECONDS);
    created.add(name);
    // The controller has it; wait until the broker's metadata does too (serve checks its topics).
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    return name;
  }

  /** Produces {@code n} records cycling through {@code images}, one camera per partition; returns the topic. */
  String produce(List<byte[]> images, long n, int partitions) throws Exception {
    String topic = topic("images", partitions);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (long i = 0; i < n; i++) {
        producer.send(record(topic, partitions, i, images.get((int) (i % images.size()))));
      }
      producer.flush();
    }
    return topic;
  }

  /** Kafka alone: the pass-through topology on {@code input}. */
  Throughput passThrough(CaeConfig config, String input, int threads, long n) throws Exception {
    String output = topic("pass-through", 4);
    Properties props = StreamsSettings.of(config.with(Map.of(CaeConfig.APPLICATION_ID, run + "-pass-" + next,
        CaeConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        CaeConfig.KAFKA_PREFIX + StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(threads))));
    StreamsBuilder b = new StreamsBuilder();
    b.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .mapValues(v -> PASS_THROUGH_EVENT)
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    try (OutputCounter counter = new OutputCounter(bootstrap, List.of(output), n);
        KafkaStreams streams = new KafkaStreams(b.build(), props)) {
      streams.start();
      return counter.await(log, "kafka");
    }
  }

  /** {@code serve} on {@code input}: score events plus dead letters, one per record. */
  Throughput serve(CaeConfig config, String input, int threads, long n) throws Exception {
    CaeConfig c = serveConfig(config, input, threads);
    try (OutputCounter counter = new OutputCounter(bootstrap,
        List.of(c.string(CaeConfig.SCORES_TOPIC), c.string(CaeConfig.DLQ_TOPIC)), n);
        ScorerApp app = ScorerApp.start(c)) {
      return counter.await(log, "end to end");
    }
  }

  /**
   * {@code serve} with images produced at {@code rate} per second while it runs: capture time (the
   * record timestamp, set when the image is sent) to the moment a read_committed consumer sees the
   * event, for the images sent during {@code seconds}. Before that it feeds uncounted for
   * {@code warmUp} seconds, and on while the JIT compilers used {@link Bench#QUIET_JIT_CORES}
   * cores or more in any of the last {@value #QUIET_WINDOWS} windows of {@value
   * #JIT_WINDOW_SECONDS} seconds, for at most {@code jitWarmUpMax} seconds more: feeding at a
   * fixed rate runs code that the throughput stages did not make hot, and the first such row of a
   * run had C2 at 0.2-0.37 of these 2 cores for 30 s, with a p99 1.5x that of the rows after it.
   */
  Latency latency(CaeConfig config, List<byte[]> images, int threads, double rate, double warmUp, double seconds,
      double jitWarmUpMax) throws Exception {
    int partitions = config.integer(CaeConfig.TOPICS_PARTITIONS);
    String input = topic("images", partitions);
    CaeConfig c = serveConfig(config, input, threads);
    try (ScorerApp app = ScorerApp.start(c)) {
      awaitRunning(app);
      try (OutputCounter counter = new OutputCounter(bootstrap,
          List.of(c.string(CaeConfig.SCORES_TOPIC), c.string(CaeConfig.DLQ_TOPIC)), Long.MAX_VALUE);
          KafkaProducer<byte[], byte[]> producer = latencyProducer()) {
        JitMeter jit = new JitMeter();
        long warmUpImages = (long) (rate * warmUp);
        long capImages = warmUpImages + (long) (rate * jitWarmUpMax);
        long window = Math.max(1, (long) (rate * JIT_WINDOW_SECONDS));
        // The quiet windows asked for end where the fixed warm-up does, so a quiet JIT adds
        // nothing to it.
        long openAt = Math.max(0, warmUpImages - QUIET_WINDOWS * window);
        long nextCheck = Math.min(openAt + window, capImages);
        int quiet = 0;
        long n = Long.MAX_VALUE;
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
          if (n == Long.MAX_VALUE && i == openAt) {
            jit.coresSinceLast();
          }
          if (n == Long.MAX_VALUE && i == nextCheck) {
            quiet = jit.coresSinceLast() < Bench.QUIET_JIT_CORES ? quiet + 1 : 0;
            if (i >= capImages || (i >= warmUpImages && quiet >= QUIET_WINDOWS)) {
              counter.measureFrom(System.currentTimeMillis());
              n = i + (long) (rate * seconds);
              jit.coresSinceLast();
            } else {
              nextCheck = Math.min(i + window, Math.max(capImages, i + 1));
            }
          }
          long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          producer.send(record(input, partitions, i, images.get((int) (i % images.size()))));
        }
        producer.flush();
        double jitCores = jit.coresSinceLast();
        double warmedUp = (n - (long) (rate * seconds)) / rate;
        counter.expect(n);
        counter.awaitAll(null, "latency");
        return new Latency(rate, counter.measuredPerSec(), counter.latencies.quantileMs(0.5),
            counter.latencies.quantileMs(0.99), counter.maxNanos.get() / 1e6, counter.count.get(),
            new LatencyParts(part(counter.toScorer), part(counter.inScorer), part(counter.toVisible)),
            warmedUp, jitCores);
      }
    }
  }

  private static LatencyParts.Part part(LatencyReservoir r) {
    return new LatencyParts.Part(r.quantileMs(0.5), r.quantileMs(0.99));
  }

  private CaeConfig serveConfig(CaeConfig config, String input, int threads) throws Exception {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(CaeConfig.KAFKA_PREFIX + "bootstrap.servers", bootstrap);
    String applicationId = run + "-serve-" + next;
    c.put(CaeConfig.APPLICATION_ID, applicationId);
    // Kafka Streams makes it; the bench removes it with its own topics.
    created.add(ScoringTopology.bufferChangelog(applicationId));
    c.put(CaeConfig.INPUT_TOPIC, input);
    c.put(CaeConfig.SCORES_TOPIC, topic("scores", 4));
    c.put(CaeConfig.ANOMALIES_TOPIC, topic("anomalies", 4));
    c.put(CaeConfig.DLQ_TOPIC, topic("dlq", 4));
    c.put(CaeConfig.HTTP_PORT, "0");
    c.put(CaeConfig.HTTP_HOST, "127.0.0.1");
    c.put(CaeConfig.KAFKA_PREFIX + StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(threads));
    return config.with(c);
  }

  private static void awaitRunning(ScorerApp app) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > until || app.failed()) {
        throw new IllegalStateException("the scorer did not reach RUNNING: " + app.state());
      }
      Thread.sleep(20);
    }
    // RUNNING comes before the first fetch; give the threads their partitions' first poll.
    Thread.sleep(1000);
  }

  /** Producing in advance: large batches, so that filling the topic is quick. */
  private KafkaProducer<byte[], byte[]> producer() {
    return producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "10",
        ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 << 10),
        ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L << 20)));
  }

  /** A camera: each image sent as it is taken, not held back to fill a batch. */
  private KafkaProducer<byte[], byte[]> latencyProducer() {
    return producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"));
  }

  private KafkaProducer<byte[], byte[]> producer(Map<String, String> tuning) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(64 << 20));
    p.putAll(tuning);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Record {@code i} goes to partition {@code i % partitions}, from that partition's camera. Not
   * the key's hash: four camera keys hash onto partitions 0, 3, 3 and 1, so one partition stayed
   * empty, one had half the records, and four stream threads measured the speed of one.
   */
  private static ProducerRecord<byte[], byte[]> record(String topic, int partitions, long i, byte[] image) {
    RecordHeaders h = new RecordHeaders();
    h.add("image-id", ("bench-" + i).getBytes(StandardCharsets.UTF_8));
    int partition = (int) (i % partitions);
    return new ProducerRecord<>(topic, partition, System.currentTimeMillis(),
        ("bench/cam-" + (partition + 1)).getBytes(StandardCharsets.UTF_8), image, h);
  }

  private static byte[] passThroughEvent() {
    byte[] e = new byte[PASS_THROUGH_EVENT_BYTES];
    Arrays.fill(e, (byte) 'x');
    byte[] head = "{\"score\":0.0,\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, e, 0, head.length);
    e[e.length - 2] = '"';
    e[e.length - 1] = '}';
    return e;
  }

  @Override
  public void close() throws Exception {
    try {
      for (var f : admin.deleteTopics(created).topicNameValues().values()) {
        try {
          f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw e;
          }
          // a stage that failed before its scorer started never made its changelog
        }
      }
    } catch (Exception e) {
      log.printf("  could not delete the bench topics (%s): %s%n", e.getMessage(), created);
    }
    admin.close();
    if (embedded != null) {
      embedded.close();
    }
  }

  /**
   * Counts records on output topics (read_committed) and, once {@link #measureFrom} is called,
   * keeps the capture-to-read latency of those captured from then on.
   */
  private static final class OutputCounter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private volatile long measureFrom;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();
    private final LatencyReservoir latencies = new LatencyReservoir(1 << 18);
    private final LatencyReservoir toScorer = new LatencyReservoir(1 << 18);
    private final LatencyReservoir inScorer = new LatencyReservoir(1 << 18);
    private final LatencyReservoir toVisible = new LatencyReservoir(1 << 18);
    private final Thread thread;
    private volatile long expected;
    private final long mark;
    private volatile long measured;
    private volatile long firstMeasuredAt;
    private volatile long lastMeasuredAt;
    private volatile long markAt;
    private volatile long lastAt;
    private volatile CpuMeter.Snapshot markCpu;
    private volatile CpuMeter.Snapshot lastCpu;
    private volatile boolean running = true;

    OutputCounter(String bootstrap, List<String> topics, long expected) {
      this.expected = expected;
      this.mark = Math.max(1, expected / 10);
      consumer = OutputTally.readCommittedConsumer(bootstrap, "cae-bench-count");
      consumer.subscribe(topics);
      thread = new Thread(this::loop, "cae-bench-counter");
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          long now = System.nanoTime();
          long c = count.incrementAndGet();
          if (c == mark) {
            markAt = now;
            markCpu = CpuMeter.take();
          }
          if (c == expected) {
            lastAt = now;
            lastCpu = CpuMeter.take();
          }
          if (measureFrom > 0 && r.timestamp() >= measureFrom) {
            long nowMs = System.currentTimeMillis();
            long lat = (nowMs - r.timestamp()) * 1_000_000L;
            latencies.add(lat);
            maxNanos.accumulateAndGet(lat, Math::max);
            split(r, nowMs);
            if (measured++ == 0) {
              firstMeasuredAt = now;
            }
            lastMeasuredAt = now;
          }
        }
      }
      consumer.close();
    }

    /** A score event's own times split its latency (dead letters have none). */
    private void split(ConsumerRecord<byte[], byte[]> r, long nowMs) {
      if (r.value() == null || r.value().length == 0 || r.value()[0] != '{') {
        return;
      }
      try {
        JsonNode e = JSON.readTree(r.value());
        if (!e.hasNonNull("scoredAt") || !e.hasNonNull("latencyMs")) {
          return;
        }
        long scoredAt = e.get("scoredAt").asLong();
        double inScorerMs = e.get("latencyMs").asDouble();
        toScorer.add(Math.max(0, (long) ((scoredAt - inScorerMs - r.timestamp()) * 1e6)));
        inScorer.add((long) (inScorerMs * 1e6));
        toVisible.add(Math.max(0, (nowMs - scoredAt) * 1_000_000L));
      } catch (java.io.IOException notAnEvent) {
        // not a score event: counted, not split
      }
    }

    /** Keeps the latency of records captured at or after {@code epochMs} from now on. */
    void measureFrom(long epochMs) {
      measureFrom = epochMs;
    }

    /** How many records {@link #awaitAll} waits for, when that was not known at the start. */
    void expect(long n) {
      expected = n;
    }

    /** Records seen per second among those whose latency was kept, first to last. */
    double measuredPerSec() {
      long n = measured;
      return n < 2 ? 0 : (n - 1) / ((lastMeasuredAt - firstMeasuredAt) / 1e9);
    }

    /** Waits for the expected records; the rate is taken from the 10th-percentile record to the last. */
    Throughput await(PrintStream log, String stage) throws InterruptedException {
      awaitAll(log, stage);
      // the counter thread counts the last record before it stamps it
      for (int i = 0; i < 1000 && lastCpu == null; i++) {
        Thread.sleep(1);
      }
      long counted = expected - mark;
      double secs = (lastAt - markAt) / 1e9;
      CpuMeter.Use cpu = markCpu == null || lastCpu == null ? null : CpuMeter.between(markCpu, lastCpu, counted);
      return new Throughput(counted / secs, counted, secs, cpu);
    }

    /** Waits for the expected records, failing after 60 s without one. */
    void awaitAll(PrintStream log, String stage) throws InterruptedException {
      long n = expected;
      long lastPrint = System.nanoTime();
      long lastProgress = System.nanoTime();
      long seen = 0;
      while (count.get() < n) {
        Thread.sleep(20);
        long now = System.nanoTime();
        if (count.get() != seen) {
          seen = count.get();
          lastProgress = now;
        } else if (now - lastProgress > TimeUnit.SECONDS.toNanos(60)) {
          throw new IllegalStateException(stage + ": no output for 60 s after " + seen + " of " + n + " records");
        }
        if (log != null && now - lastPrint > 1_000_000_000L) {
          log.printf("    %s: %d / %d records%n", stage, seen, n);
          lastPrint = now;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }
  }
}
