package io.caestream.app;

import io.caestream.config.CaeConfig;
import io.caestream.model.BatchListener;
import io.caestream.observe.CaeMetrics;
import io.caestream.observe.Health;
import io.caestream.observe.HttpEndpoints;
import io.caestream.observe.RecentAnomalies;
import io.caestream.scoring.ScoringEngine;
import io.caestream.scoring.ScoringObserver;
import io.caestream.stream.ModelInfo;
import io.caestream.stream.ScorerFailurePolicy;
import io.caestream.stream.ScoringTopology;
import io.caestream.stream.StreamsSettings;
import io.caestream.stream.TopicCheck;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
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
  private final ScoringEngine engine;
  private final CaeMetrics metrics;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile KafkaStreams.State state = KafkaStreams.State.CREATED;

  private ScorerApp(CaeConfig config) throws Exception {
    this.config = config;
    Properties props = StreamsSettings.of(config);
    LOG.info("starting with {}", config.describe());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RecentAnomalies recent = new RecentAnomalies(24);
    http = new HttpEndpoints(config.string(CaeConfig.HTTP_HOST), config.integer(CaeConfig.HTTP_PORT),
        registry, new AppHealth(), recent);
    try {
      BatchListener[] forward = {BatchListener.NONE};
      engine = ScoringEngine.open(config, (size, nanos) -> forward[0].batchDone(size, nanos));
      ModelInfo info = ModelInfo.of(engine);
      metrics = new CaeMetrics(engine.scorer().settings().threshold(), engine.calibration().orElse(null),
          info.name(), info.version(), info.provider());
      metrics.bindTo(registry);
      forward[0] = metrics;
      for (var binder : new io.micrometer.core.instrument.binder.MeterBinder[] {new JvmMemoryMetrics(),
          new JvmGcMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(), new ProcessorMetrics(),
          new UptimeMetrics()}) {
        binder.bindTo(registry);
      }
      Topics topics = Topics.from(config);
      try (Admin admin = Admin.create(adminProps(props))) {
        TopicCheck.ensure(admin, topics, config.bool(CaeConfig.TOPICS_CREATE),
            config.integer(CaeConfig.TOPICS_PARTITIONS), (short) config.integer(CaeConfig.TOPICS_REPLICATION),
            config.longValue(CaeConfig.SHUTDOWN_TIMEOUT_MS));
      }
      ScoringObserver observer = new ScoringObserver() {
        @Override
        public void scored(io.caestream.scoring.ScoreResult r, long nanos) {
          metrics.scored(r, nanos);
        }

        @Override
        public void rejected(io.caestream.image.RejectReason reason) {
          metrics.rejected(reason);
        }

        @Override
        public void anomalyPublished(byte[] eventJson, byte[] image) {
          recent.add(eventJson, image);
        }
      };
      streams = new KafkaStreams(ScoringTopology.build(topics, engine.scorer(), observer, info), props);
      streams.setUncaughtExceptionHandler(new ScorerFailurePolicy(3, 600_000));
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
    } catch (Exception | Error e) {
      http.close();
      throw e;
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

  public ScoringEngine engine() {
    return engine;
  }

  /** Blocks until Kafka Streams stops by itself (fatal error) or {@link #close()} is called. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  public boolean failed() {
    return state == KafkaStreams.State.ERROR;
  }

  /** Clean stop within {@code shutdown.timeout.ms}: streams commit and close, then the model. */
  @Override
  public void close() {
    Duration timeout = Duration.ofMillis(config.longValue(CaeConfig.SHUTDOWN_TIMEOUT_MS));
    boolean clean = streams.close(timeout);
    if (!clean) {
      LOG.warn("Kafka Streams did not close within {} ms", timeout.toMillis());
    }
    streamsMetrics.close();
    engine.close();
    http.close();
    stopped.countDown();
  }

  private final class AppHealth implements Health {
    @Override
    public boolean live() {
      return state != KafkaStreams.State.ERROR;
    }

    @Override
    public boolean ready() {
      return engine != null && state == KafkaStreams.State.RUNNING;
    }

    @Override
    public Map<String, Object> details() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("model", engine == null ? "loading" : "loaded");
      d.put("kafkaStreams", state.name());
      if (engine != null) {
        d.put("provider", engine.model().provider().provider().word());
        if (engine.model().provider().fellBack()) {
          d.put("providerFallback", engine.model().provider().fallbackReason());
        }
      }
      return d;
    }
  }
}
