package io.caestream.observe;

import io.caestream.scoring.Calibration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleConsumer;

/**
 * The cae_* metrics. Micrometer names and what Prometheus shows:
 * <ul>
 *   <li>{@code cae.images} {model, outcome=normal|anomalous|rejected} -> {@code cae_images_total}</li>
 *   <li>{@code cae.rejected.images} {model, reason} -> {@code cae_rejected_images_total}</li>
 *   <li>{@code cae_reconstruction_error} {model} histogram (see below) -> {@code cae_reconstruction_error_bucket/_sum/_count}</li>
 *   <li>{@code cae.inference} {model} timer, per batch -> {@code cae_inference_seconds_*}</li>
 *   <li>{@code cae.batch.size} {model} summary -> {@code cae_batch_size_*}</li>
 *   <li>{@code cae.scoring.latency} {model} timer, record in to event out -> {@code cae_scoring_latency_seconds_*}</li>
 *   <li>{@code cae.anomaly.threshold} {model} gauge; {@code cae.model.info} {model,version,provider} gauge = 1,
 *       one series per loaded model</li>
 *   <li>{@code cae.model.reloads} {model, result=loaded|refused|removed} -> {@code cae_model_reloads_total}</li>
 *   <li>{@code cae.shadow.comparisons} {model, outcome}, {@code cae.shadow.agreement} {model},
 *       {@code cae.shadow.score.correlation} {model}: a model against its shadow ({@link ShadowComparison})</li>
 * </ul>
 * The per-model meters are those of {@link ModelMetrics}. The {@code model} label is a repository
 * folder name, so its values are bounded by the repository; a record that never reached a model
 * (bad key, no route) counts under {@code model="}{@value #NO_MODEL}{@code "}. No label depends on
 * the image or its source.
 *
 * <p>Reconstruction-error buckets are placed around the calibrated thresholds (finely between
 * 0.5x and 2x) so quantiles and the drift alert resolve where decisions are made. A Prometheus
 * metric has one set of buckets for all its series, so they are the union of every model's loaded
 * at start-up; a model reloaded with another threshold keeps these until the next restart.
 *
 * <p>The reconstruction error is a small fraction (typically 0.001..0.05), and Micrometer's
 * fixed-bucket histograms round every recorded value up to a whole number
 * ({@code TimeWindowFixedBoundaryHistogram.recordDouble} is {@code recordLong(ceil(v))}), which
 * would put every score into the {@code +Inf} bucket. On a {@link PrometheusMeterRegistry} the
 * histogram is therefore a Prometheus client histogram registered next to the Micrometer meters
 * (same scrape, same name); on any other registry it is a bucket-less summary (count, sum, max).
 * The meters are registered when the object is built: there is no half-built state.
 */
public final class CaeMetrics {
  /** The model label of records that no model scored. */
  public static final String NO_MODEL = io.caestream.model.ModelRepository.NOT_A_NAME;

  /** Multiples of the threshold used as reconstruction-error bucket bounds. */
  static final double[] THRESHOLD_MULTIPLES = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
      1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10, 30, 100};

  static final String ERROR_HELP = "Image anomaly score (reconstruction error) of scored images";

  /** A model's threshold and calibration, from which its reconstruction-error buckets follow. */
  public record Threshold(double threshold, Calibration calibration) {}

  final MeterRegistry registry;
  private final double[] errorBuckets;
  private final Histogram errorHistogram;
  private final Map<String, DoubleConsumer> errorSummaries = new ConcurrentHashMap<>();
  private final Collection<String> reasons;
  private final ModelMetrics.Outcomes unrouted;
  /** Held here: a Micrometer gauge only keeps a weak reference to what it reads. */
  private final Map<String, double[]> thresholds = new ConcurrentHashMap<>();

  /**
   * @param reasons the dead-letter reason words, each shown (at 0) from the start
   * @param thresholds of the models loaded at start-up (for the reconstruction-error buckets)
   */
  public CaeMetrics(MeterRegistry r, Collection<String> reasons, Collection<Threshold> thresholds) {
    this.registry = r;
    this.reasons = java.util.List.copyOf(reasons);
    TreeSet<Double> b = new TreeSet<>();
    thresholds.forEach(t -> b.addAll(errorBucketList(t.threshold(), t.calibration())));
    this.errorBuckets = b.stream().mapToDouble(Double::doubleValue).toArray();
    this.errorHistogram = r instanceof PrometheusMeterRegistry p ? Histogram.builder()
        .name("cae_reconstruction_error")
        .help(ERROR_HELP)
        .labelNames("model")
        .classicOnly()
        .classicUpperBounds(errorBuckets)
        .withoutExemplars()
        .register(p.getPrometheusRegistry()) : null;
    this.unrouted = new ModelMetrics.Outcomes(r, NO_MODEL, this.reasons);
  }

  /** Registers (or finds again, after a reload) the meters of one loaded model version. */
  public ModelMetrics register(String model, String version, String provider, double threshold) {
    return new ModelMetrics(this, model, version, provider, threshold);
  }

  double[] thresholdOf(String model) {
    return thresholds.computeIfAbsent(model, m -> new double[1]);
  }

  Collection<String> reasons() {
    return reasons;
  }

  /** Where a model's reconstruction errors go: its series of the histogram. */
  DoubleConsumer reconstructionError(String model) {
    if (errorHistogram != null) {
      return errorHistogram.labelValues(model)::observe;
    }
    return errorSummaries.computeIfAbsent(model, m -> DistributionSummary.builder("cae.reconstruction.error")
        .description(ERROR_HELP).tag("model", m).register(registry)::record);
  }

  /** A dead letter for a record that no model scored (bad key or header, no route, a bug). */
  public void rejected(String reason) {
    unrouted.rejected(reason);
  }

  /** A model reload's outcome: loaded (new or changed), refused (failed its checks), removed. */
  public void reload(String model, String result) {
    reloadCounter(model, result).increment();
  }

  private final java.util.Map<String, ShadowComparison> shadows = new java.util.concurrent.ConcurrentHashMap<>();

  /** The comparison of {@code model} with its shadow, made on first use and kept across reloads. */
  ShadowComparison shadow(String model) {
    return shadows.computeIfAbsent(model, m -> new ShadowComparison(registry, m));
  }

  Counter reloadCounter(String model, String result) {
    return Counter.builder("cae.model.reloads").tag("model", model).tag("result", result)
        .description("Model loads after start-up, by model and result").register(registry);
  }

  /** Threshold multiples plus the calibration's normal p50/p99, sorted and distinct. */
  static double[] errorBuckets(double threshold, Calibration calibration) {
    return errorBucketList(threshold, calibration).stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static TreeSet<Double> errorBucketList(double threshold, Calibration calibration) {
    TreeSet<Double> b = new TreeSet<>();
    for (double m : THRESHOLD_MULTIPLES) {
      b.add(threshold * m);
    }
    if (calibration != null) {
      b.add(calibration.stats().p50());
      b.add(calibration.stats().p99());
    }
    b.removeIf(v -> !(v > 0) || Double.isInfinite(v));
    return b;
  }

  double[] reconstructionErrorBuckets() {
    return errorBuckets.clone();
  }

  /** Images with this outcome over all models (normal, anomalous, rejected). */
  public double count(String outcome) {
    return registry.find("cae.images").tag("outcome", outcome).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  /** The batch sizes of one model. */
  public DistributionSummary batchSizes(String model) {
    return registry.get("cae.batch.size").tag("model", model).summary();
  }
}
