package io.caestream.observe;

import io.caestream.model.BatchListener;
import io.caestream.scoring.Calibration;
import io.caestream.scoring.ScoreResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;

/**
 * The cae_* metrics. Micrometer names and what Prometheus shows:
 * <ul>
 *   <li>{@code cae.images} {outcome=normal|anomalous|rejected} -> {@code cae_images_total}</li>
 *   <li>{@code cae.rejected.images} {reason} -> {@code cae_rejected_images_total}</li>
 *   <li>{@code cae_reconstruction_error} histogram (see below) -> {@code cae_reconstruction_error_bucket/_sum/_count}</li>
 *   <li>{@code cae.inference} timer, per batch -> {@code cae_inference_seconds_*}</li>
 *   <li>{@code cae.batch.size} summary -> {@code cae_batch_size_*}</li>
 *   <li>{@code cae.scoring.latency} timer, record in to event out -> {@code cae_scoring_latency_seconds_*}</li>
 *   <li>{@code cae.anomaly.threshold} gauge; {@code cae.model.info} {model,version,provider} gauge = 1</li>
 * </ul>
 * No label depends on the image or its source, so cardinality is fixed. The meters are registered
 * when the object is built: there is no half-built state with meters missing. Reconstruction-error
 * buckets are placed around the calibrated threshold (finely between 0.5x and 2x) so quantiles
 * and the drift alert resolve where decisions are made.
 *
 * <p>The reconstruction error is a small fraction (typically 0.001..0.05), and Micrometer's
 * fixed-bucket histograms round every recorded value up to a whole number
 * ({@code TimeWindowFixedBoundaryHistogram.recordDouble} is {@code recordLong(ceil(v))}), which
 * would put every score into the {@code +Inf} bucket. On a {@link PrometheusMeterRegistry} the
 * histogram is therefore a Prometheus client histogram registered next to the Micrometer meters
 * (same scrape, same name); on any other registry it is a bucket-less summary (count, sum, max).
 */
public final class CaeMetrics implements BatchListener {
  /** Multiples of the threshold used as reconstruction-error bucket bounds. */
  static final double[] THRESHOLD_MULTIPLES = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
      1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10, 30, 100};

  private static final String ERROR_HELP = "Image anomaly score (reconstruction error) of scored images";

  private final MeterRegistry registry;
  private final double[] errorBuckets;
  private final Counter normal;
  private final Counter anomalous;
  private final Counter rejected;
  private final Map<String, Counter> rejectedByReason = new ConcurrentHashMap<>();
  private final DoubleConsumer reconstructionError;
  private final Timer inference;
  private final DistributionSummary batchSize;
  private final Timer latency;

  /**
   * Registers every meter on {@code r}.
   *
   * @param reasons the dead-letter reason words, each shown (at 0) from the start
   */
  public CaeMetrics(MeterRegistry r, Collection<String> reasons, double threshold, Calibration calibration,
      String modelName, String modelVersion, String provider) {
    this.registry = r;
    this.errorBuckets = errorBuckets(threshold, calibration);
    normal = imagesCounter(r, "normal");
    anomalous = imagesCounter(r, "anomalous");
    rejected = imagesCounter(r, "rejected");
    for (String reason : reasons) {
      rejectedByReason.put(reason, rejectedCounter(r, reason));
    }
    reconstructionError = reconstructionErrorHistogram(r);
    inference = Timer.builder("cae.inference").description("ONNX Runtime run time per batch")
        .serviceLevelObjectives(durations(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2))
        .register(r);
    batchSize = DistributionSummary.builder("cae.batch.size").description("Images per inference batch")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(r);
    latency = Timer.builder("cae.scoring.latency").description("Record in to event out, per image")
        .serviceLevelObjectives(durations(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5))
        .register(r);
    Gauge.builder("cae.anomaly.threshold", () -> threshold).description("Anomaly score threshold in use").register(r);
    Gauge.builder("cae.model.info", () -> 1).description("The model being served")
        .tag("model", modelName).tag("version", modelVersion).tag("provider", provider).register(r);
  }

  private static Counter imagesCounter(MeterRegistry r, String outcome) {
    return Counter.builder("cae.images").tag("outcome", outcome).description("Images scored or rejected, by outcome")
        .register(r);
  }

  /** Threshold multiples plus the calibration's normal p50/p99, sorted and distinct. */
  static double[] errorBuckets(double threshold, Calibration calibration) {
    TreeSet<Double> b = new TreeSet<>();
    for (double m : THRESHOLD_MULTIPLES) {
      b.add(threshold * m);
    }
    if (calibration != null) {
      b.add(calibration.stats().p50());
      b.add(calibration.stats().p99());
    }
    b.removeIf(v -> !(v > 0) || Double.isInfinite(v));
    return b.stream().mapToDouble(Double::doubleValue).toArray();
  }

  double[] reconstructionErrorBuckets() {
    return errorBuckets.clone();
  }

  private DoubleConsumer reconstructionErrorHistogram(MeterRegistry r) {
    if (r instanceof PrometheusMeterRegistry p) {
      Histogram h = Histogram.builder()
          .name("cae_reconstruction_error")
          .help(ERROR_HELP)
          .classicOnly()
          .classicUpperBounds(errorBuckets)
          .withoutExemplars()
          .register(p.getPrometheusRegistry());
      return h::observe;
    }
    DistributionSummary summary = DistributionSummary.builder("cae.reconstruction.error")
        .description(ERROR_HELP).register(r);
    return summary::record;
  }

  private static Counter rejectedCounter(MeterRegistry r, String reason) {
    return Counter.builder("cae.rejected.images").tag("reason", reason)
        .description("Images dead-lettered, by reason").register(r);
  }

  private static Duration[] durations(double... seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
    }
    return d;
  }

  public void scored(ScoreResult result, long latencyNanos) {
    (result.anomalous() ? anomalous : normal).increment();
    reconstructionError.accept(result.score());
    latency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }

  /** A dead letter with this reason word (one not given at construction gets its series now). */
  public void rejected(String reason) {
    rejected.increment();
    rejectedByReason.computeIfAbsent(reason, w -> rejectedCounter(registry, w)).increment();
  }

  @Override
  public void batchDone(int size, long nanos) {
    batchSize.record(size);
    inference.record(nanos, TimeUnit.NANOSECONDS);
  }

  public double count(String outcome) {
    return switch (outcome) {
      case "normal" -> normal.count();
      case "anomalous" -> anomalous.count();
      default -> rejected.count();
    };
  }

  public DistributionSummary batchSizes() {
    return batchSize;
  }
}
