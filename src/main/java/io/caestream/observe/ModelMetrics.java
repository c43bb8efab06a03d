package io.caestream.observe;

import io.caestream.model.BatchListener;
import io.caestream.scoring.ScoreResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;

/**
 * The meters of one model, all tagged {@code model=NAME} (Prometheus names in {@link CaeMetrics}).
 * Registering a model again after a reload finds the same counters and histograms, so they keep
 * counting across versions; only {@code cae_model_info} names the version, and {@link #close()}
 * removes that series when the version is replaced or the model removed.
 */
public final class ModelMetrics implements BatchListener, AutoCloseable {
  private final MeterRegistry registry;
  private final Outcomes outcomes;
  private final DoubleConsumer reconstructionError;
  private final Timer inference;
  private final DistributionSummary batchSize;
  private final Timer latency;
  private final Gauge info;
  private final String model;
  private final CaeMetrics metrics;

  ModelMetrics(CaeMetrics metrics, String model, String version, String provider, double threshold) {
    MeterRegistry r = metrics.registry;
    this.registry = r;
    this.model = model;
    this.metrics = metrics;
    this.outcomes = new Outcomes(r, model, metrics.reasons());
    this.reconstructionError = metrics.reconstructionError(model);
    inference = Timer.builder("cae.inference").description("ONNX Runtime run time per batch").tag("model", model)
        .serviceLevelObjectives(durations(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2))
        .register(r);
    batchSize = DistributionSummary.builder("cae.batch.size").description("Images per inference batch")
        .tag("model", model).serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(r);
    latency = Timer.builder("cae.scoring.latency").description("Record in to event out, per image")
        .tag("model", model)
        .serviceLevelObjectives(durations(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5))
        .register(r);
    // One gauge per model name, which reads the latest version's threshold.
    double[] holder = metrics.thresholdOf(model);
    holder[0] = threshold;
    Gauge.builder("cae.anomaly.threshold", holder, h -> h[0]).description("Anomaly score threshold in use")
        .tag("model", model).register(r);
    // Both results exist from the start, so increase() over them works from the first reload.
    metrics.reloadCounter(model, "loaded");
    metrics.reloadCounter(model, "refused");
    info = Gauge.builder("cae.model.info", () -> 1).description("The models being served, one series each")
        .tag("model", model).tag("version", version).tag("provider", provider).register(r);
  }

  public void scored(ScoreResult result, long latencyNanos) {
    outcomes.scored(result.anomalous());
    reconstructionError.accept(result.score());
    latency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }

  /** An image this model's decoder refused, by reason word. */
  public void rejected(String reason) {
    outcomes.rejected(reason);
  }

  @Override
  public void batchDone(int size, long nanos) {
    batchSize.record(size);
    inference.record(nanos, TimeUnit.NANOSECONDS);
  }

  public DistributionSummary batchSizes() {
    return batchSize;
  }

  /**
   * The comparison with this model's shadow; its meters exist once a shadow has scored, so a model
   * without one has no shadow series. After a reload the same comparison is found again.
   */
  public ShadowComparison shadow() {
    return metrics.shadow(model);
  }

  /** This version is no longer served: its cae_model_info series goes; the counters stay. */
  @Override
  public void close() {
    registry.remove(info);
  }

  private static Duration[] durations(double... seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
    }
    return d;
  }

  /** cae_images_total and cae_rejected_images_total of one model label. */
  static final class Outcomes {
    private final MeterRegistry registry;
    private final String model;
    private final Counter normal;
    private final Counter anomalous;
    private final Counter rejected;
    private final Map<String, Counter> byReason = new ConcurrentHashMap<>();

    Outcomes(MeterRegistry r, String model, Collection<String> reasons) {
      this.registry = r;
      this.model = model;
      normal = images("normal");
      anomalous = images("anomalous");
      rejected = images("rejected");
      reasons.forEach(this::reasonCounter);
    }

    private Counter images(String outcome) {
      return Counter.builder("cae.images").tag("model", model).tag("outcome", outcome)
          .description("Images scored or rejected, by outcome").register(registry);
    }

    private Counter reasonCounter(String reason) {
      return byReason.computeIfAbsent(reason, w -> Counter.builder("cae.rejected.images").tag("model", model)
          .tag("reason", w).description("Images dead-lettered, by reason").register(registry));
    }

    void scored(boolean isAnomalous) {
      (isAnomalous ? anomalous : normal).increment();
    }

    void rejected(String reason) {
      rejected.increment();
      reasonCounter(reason).increment();
    }
  }
}
