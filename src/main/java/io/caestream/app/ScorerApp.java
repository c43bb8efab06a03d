package io.caestream.app;

import io.caestream.config.CaeConfig;
import io.caestream.config.LogOutput;
import io.caestream.observe.CaeMetrics;
import io.caestream.observe.Health;
import io.caestream.observe.HttpAccess;
import io.caestream.observe.HttpEndpoints;
import io.caestream.observe.RecentAnomalies;
import io.caestream.scoring.ScoringEngine;
import io.caestream.stream.BatchQuota;
import io.caestream.stream.ModelInfo;
import io.caestream.stream.RecordProblem;
import io.caestream.stream.StreamListener;
import io.caestream.stream.ScoreEvent;
import io.caestream.stream.ScorerFailurePolicy;
import io.caestream.stream.StreamHealth;
import io.caestream.stream.ScoringBuffer;
import io.caestream.stream.ScoringTopology;
import io.caestream.stream.StreamsSettings;
import io.caestream.stream.TopicCheck;
import io.caestream.stream.UnexpectedErrorHandler;
import io.caestream.stream.Topics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running scorer: config checked, HTTP bound, model loaded, topics checked, Kafka Streams
 * started, metrics bound. Start-up order puts the cheap checks that name a config key first.
 * {@code serve} and {@code demo} both run exactly this.
 */
public final class ScorerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerApp.class);

  private final CaeConfig config;
  private final PrometheusMeterRegistry registry;
  private final HttpEndpoints http;
  private final ModelLine models;
  private final CaeMetrics metrics;
  private final KafkaStreams streams;
  /** Scores buffered images beside the stream threads; its threads are daemons, idle when unbuffered. */
  private final ExecutorService scoringPool = scoringPool();
  /** Two batches per pool thread: one being scored, one waiting, so no pool thread idles while a stream thread commits. */
  private final BatchQuota scoringQuota = new BatchQuota(2 * Runtime.getRuntime().availableProcessors());
  private final KafkaStreamsMetrics streamsMetrics;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile KafkaStreams.State state = KafkaStreams.State.CREATED;
  private final StreamHealth streamHealth;
  private final Object closeLock = new Object();
  private Boolean closed;

  private ScorerApp(CaeConfig config) throws Exception {
    this.config = config;
    this.streamHealth = new StreamHealth(Clock.systemUTC(), config.longValue(CaeConfig.HEALTH_STALL_MS));
    // Before the first line of the run, so that a collector sees one format from here on.
    LogOutput.useFormat(config.string(CaeConfig.LOG_FORMAT));
    Properties props = StreamsSettings.of(config);
    LOG.info("starting with {}", config.describe());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RecentAnomalies recent = new RecentAnomalies(24);
    http = new HttpEndpoints(config.string(CaeConfig.HTTP_HOST), config.integer(CaeConfig.HTTP_PORT),
        registry, new AppHealth(), recent, HttpAccess.of(config.bool(CaeConfig.HTTP_VIEWER_ENABLED),
            config.string(CaeConfig.HTTP_AUTH_USER), config.string(CaeConfig.HTTP_AUTH_PASSWORD)),
        config.bool(CaeConfig.HTTP_ADMIN_ENABLED) ? this::reloadModels : null);
    ModelLine opened = null;
    try {
      opened = ModelLine.open(config);
      models = opened;
      metrics = new CaeMetrics(registry, reasonWords(), models.thresholds());
      models.attach(metrics);
      for (var binder : new io.micrometer.core.instrument.binder.MeterBinder[] {new JvmMemoryMetrics(),
          new JvmGcMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(), new ProcessorMetrics(),
          new UptimeMetrics()}) {
        binder.bindTo(registry);
      }
      Topics topics = Topics.from(config);
      Map<String, Integer> limits = checkTopics(config, props, topics);
      int deadLetterMax = StreamsSettings.maxDeadLetterBytes(props, limits.get(topics.deadLetters()));
      checkEventsFit(limits, topics, models.engines().values().stream()
          .mapToInt(e -> ScoreEvent.maxBytes(ModelInfo.of(e), topics.input())).max().orElseThrow());
      LOG.info("topic record limits (max.message.bytes) {}; dead letters up to {} bytes", limits, deadLetterMax);
      props.put(UnexpectedErrorHandler.DLQ_MAX_BYTES_CONFIG, Integer.toString(deadLetterMax));
      boolean viewer = config.bool(CaeConfig.HTTP_VIEWER_ENABLED);
      StreamListener listener = new StreamListener() {
        @Override
        public void scored(ModelInfo model, io.caestream.scoring.ScoreResult r, long nanos) {
          models.metricsOf(model).scored(r, nanos);
        }

        @Override
        public void shadowCompared(ModelInfo model, io.caestream.scoring.ScoreResult live,
            io.caestream.stream.SourceScorer.Shadow shadow) {
          var comparison = models.metricsOf(model).shadow();
          if (shadow.result() == null) {
            comparison.failed();
          } else {
            comparison.compared(live.anomalous(), live.score(), shadow.result().anomalous(), shadow.result().score());
          }
        }

        @Override
        public void rejected(ModelInfo model, String reason) {
          if (model == null) {
            metrics.rejected(reason);
          } else {
            models.metricsOf(model).rejected(reason);
          }
        }

        @Override
        public void anomalyPublished(byte[] eventJson, byte[] image, int width, int height,
            byte[] heatmap) {
          recent.add(eventJson, image, width, height, heatmap);
        }

        @Override
        public boolean wantsHeatmaps() {
          return viewer;
        }
      };
      props.put(UnexpectedErrorHandler.LISTENER_CONFIG, listener);
      streams = new KafkaStreams(ScoringTopology.build(topics, models.scorer(), listener, deadLetterMax,
          scoringBuffer(config, props)), props);
      ScorerFailurePolicy policy = new ScorerFailurePolicy(3, 600_000);
      streams.setUncaughtExceptionHandler(e -> {
        streamHealth.threadFailed(streams);
        return policy.handle(e);
      });
      streams.setStateListener((now, before) -> {
        state = now;
        LOG.info("Kafka Streams {} -> {}", before, now);
        if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
          stopped.countDown();
        }
      });
      streamsMetrics = new KafkaStreamsMetrics(streams);
      streamsMetrics.bindTo(registry);
      streams.start();
      models.watch(config.longValue(CaeConfig.MODEL_REPOSITORY_POLL_MS));
    } catch (Exception | Error e) {
      http.close();
      if (opened != null) {
        opened.close();
      }
      throw e;
    }
  }

  /**
   * The scoring buffer from the config: a pool thread per core scores the batches, so stream
   * threads only read and write Kafka.
   */
  private ScoringBuffer scoringBuffer(CaeConfig config, Properties props) {
    return new ScoringBuffer(config.integer(CaeConfig.STREAM_BUFFER_MAX),
        config.integer(CaeConfig.STREAM_BUFFER_MAX_BYTES), config.integer(CaeConfig.STREAM_BUFFER_WAIT_MS),
        StreamsSettings.bufferRecordMaxBytes(config, props), scoringPool,
        Runtime.getRuntime().availableProcessors(), scoringQuota);
  }

  private static ExecutorService scoringPool() {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
      Thread t = new Thread(r, "cae-buffer-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Every dead-letter reason word: the image's own and the record's. */
  private static java.util.List<String> reasonWords() {
    return java.util.stream.Stream.concat(
        java.util.Arrays.stream(io.caestream.image.RejectReason.values()).map(io.caestream.image.RejectReason::word),
        java.util.Arrays.stream(RecordProblem.values()).map(RecordProblem::word)).toList();
  }

  /**
   * The first contact with Kafka: lists (and maybe creates) the topics. Wrong credentials, missing
   * rights and an unreachable cluster surface here, so each becomes one clear line instead of a
   * stack trace or a client retrying in the background.
   */
  private static Map<String, Integer> checkTopics(CaeConfig config, Properties props, Topics topics)
      throws Exception {
    String bootstrap = props.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
    long timeoutMs = config.longValue(CaeConfig.SHUTDOWN_TIMEOUT_MS);
    Admin admin = null;
    try {
      admin = Admin.create(adminProps(props));
      TopicCheck.ensure(admin, topics, config.bool(CaeConfig.TOPICS_CREATE),
          config.integer(CaeConfig.TOPICS_PARTITIONS), (short) config.integer(CaeConfig.TOPICS_REPLICATION),
          StreamsSettings.imageTopicMaxBytes(config), timeoutMs);
      return TopicCheck.maxMessageBytes(admin, topics.all(), timeoutMs);
    } catch (ExecutionException | java.util.concurrent.TimeoutException | KafkaException e) {
      throw new KafkaStartupException(describeKafkaFailure(bootstrap, timeoutMs, e), e);
    } finally {
      if (admin != null) {
        // Not close(): it waits for calls still retrying (up to default.api.timeout.ms) after a timeout.
        admin.close(Duration.ZERO);
      }
    }
  }

  /**
   * A score event the topic refuses would fail every transaction it is in: refuse to start
   * instead, naming the topic and the size it must take.
   */
  private static void checkEventsFit(Map<String, Integer> limits, Topics topics, int maxEventBytes) {
    int needed = maxEventBytes + 1024;
    for (String t : new String[] {topics.scores(), topics.anomalies()}) {
      if (limits.get(t) < needed) {
        throw new KafkaStartupException("topic " + t + " accepts records of up to " + limits.get(t)
            + " bytes (max.message.bytes), but a score event can take " + needed
            + ": raise max.message.bytes of " + t + " to at least " + needed, null);
      }
    }
  }

  static String describeKafkaFailure(String bootstrap, long timeoutMs, Throwable e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof AuthenticationException) {
        return "Kafka authentication failed for " + bootstrap + ": " + oneLine(c.getMessage())
            + " (check kafka.security.protocol, kafka.sasl.mechanism and kafka.sasl.jaas.config)";
      }
      if (c instanceof AuthorizationException) {
        return "Kafka authorization failed for " + bootstrap + ": " + oneLine(c.getMessage())
            + " (the scorer's principal needs Describe/DescribeConfigs/Create on the topics and access to its group"
            + " and transactional ids)";
      }
    }
    if (cause instanceof java.util.concurrent.TimeoutException
        || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
      return "Kafka at " + bootstrap + " did not answer within " + timeoutMs
          + " ms (is kafka.bootstrap.servers right, and do kafka.security.protocol and the listener match?)";
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = String.valueOf(cause.getMessage());
    if (root != cause && root.getMessage() != null) {
      why += ": " + root.getMessage();
    }
    return "cannot check the topics on Kafka at " + bootstrap + ": " + oneLine(why);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** Kafka could not be used at start-up; the message is one line for the operator. Exit code 1. */
  public static final class KafkaStartupException extends RuntimeException {
    KafkaStartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static ScorerApp start(CaeConfig config) throws Exception {
    return new ScorerApp(config);
  }

  private static Properties adminProps(Properties streamsProps) {
    Properties p = new Properties();
    StreamsConfig sc = new StreamsConfig(streamsProps);
    p.putAll(sc.getAdminConfigs("cae-stream-topic-check"));
    return p;
  }

  public CaeMetrics metrics() {
    return metrics;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int httpPort() {
    return http.port();
  }

  public KafkaStreams.State state() {
    return state;
  }

  /** POST /admin/reload: before the models are loaded there is nothing to reload. */
  private Map<String, ?> reloadModels() {
    ModelLine m = models;
    return m == null ? Map.of("models", "loading") : m.reload();
  }

  /** Reloads model.repository now (what the watcher and POST /admin/reload do). */
  public Map<String, String> reload() {
    return models.reload();
  }

  /** The first model (the only one without model.repository). */
  public ScoringEngine engine() {
    return models.engines().values().iterator().next();
  }

  /** Every loaded model, by name. */
  public Map<String, ScoringEngine> engines() {
    return models.engines();
  }

  /** Blocks until Kafka Streams stops by itself (fatal error) or {@link #close()} is called. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Stream threads that died (and were replaced, or ended the client) since start. */
  public int threadFailures() {
    return streamHealth.failures();
  }

  public boolean failed() {
    return state == KafkaStreams.State.ERROR;
  }

  /** Clean stop within {@code shutdown.timeout.ms}: streams commit and close, then the model. */
  @Override
  public void close() {
    shutdown();
  }

  /**
   * Stops once (later calls wait for the first and return its outcome): Kafka Streams commits and
   * closes, given {@code shutdown.timeout.ms} less a small reserve for the model and HTTP server.
   *
   * @return true when Kafka Streams closed cleanly within the time
   */
  public boolean shutdown() {
    synchronized (closeLock) {
      if (closed != null) {
        return closed;
      }
      long timeoutMs = config.longValue(CaeConfig.SHUTDOWN_TIMEOUT_MS);
      Duration timeout = Duration.ofMillis(Math.max(timeoutMs / 2, timeoutMs - Math.min(2_000, timeoutMs / 4)));
      boolean clean = streams.close(timeout);
      if (!clean) {
        LOG.warn("Kafka Streams did not close within {} ms", timeout.toMillis());
      }
      streamsMetrics.close();
      scoringPool.shutdown();
      try {
        // A closed task's last batch may still be running; its images are in the store, but
        // the model must outlive the call.
        scoringPool.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      models.close();
      http.close();
      closed = clean;
      stopped.countDown();
      return clean;
    }
  }

  private final class AppHealth implements Health {
    @Override
    public boolean live() {
      return state != KafkaStreams.State.ERROR;
    }

    /** Model loaded, Kafka Streams RUNNING, and its threads neither failing nor stalled. */
    @Override
    public boolean ready() {
      return models != null && state == KafkaStreams.State.RUNNING && streamProblem() == null;
    }

    private String streamProblem() {
      return streams == null ? null : streamHealth.check(streams);
    }

    @Override
    public Map<String, Object> details() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("model", models == null ? "loading" : "loaded");
      d.put("kafkaStreams", state.name());
      String problem = streamProblem();
      d.put("streamThreads", problem == null ? "ok" : problem);
      if (models != null) {
        d.put("provider", engine().model().provider().provider().word());
        String calibration = models.calibrationWarnings();
        if (!calibration.isEmpty()) {
          d.put("calibration", calibration);
        }
        d.put("models", models.health());
      }
      return d;
    }
  }
}
