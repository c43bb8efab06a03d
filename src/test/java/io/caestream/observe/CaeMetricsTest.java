package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.caestream.image.RejectReason;
import io.caestream.observe.PrometheusText.Sample;
import io.caestream.scoring.Calibration;
import io.caestream.scoring.Region;
import io.caestream.scoring.ScoreResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cae_* metrics of DESIGN.md ("Metrics") as Prometheus sees them: names, types, labels, and
 * that they move when the scorer reports outcomes. The names are the contract that the alert rules
 * and the Grafana dashboard are written against, so they are checked on the scrape text, not on
 * Micrometer's meter names.
 */
class CaeMetricsTest {
  static final double THRESHOLD = 0.00866889966651797;
  static final double P50 = 0.0038071428425610065;
  static final double P99 = 0.008185112513601779;
  static final Calibration CALIBRATION = new Calibration(THRESHOLD, "smooth-max", 0.995, 0.0025,
      1.0, 2.0, new Calibration.Stats(0.0007, 0.0037, 0.0017, P50, P99, 0.0105), 500, "ae0edb5c", "now", null, null);

  /** The label names each cae_ metric may carry (le for histogram buckets); nothing per image. */
  static final Map<String, Set<String>> LABELS = Map.ofEntries(
      Map.entry("cae_images_total", Set.of("model", "outcome")),
      Map.entry("cae_rejected_images_total", Set.of("model", "reason")),
      Map.entry("cae_reconstruction_error_bucket", Set.of("model", "le")),
      Map.entry("cae_reconstruction_error_count", Set.of("model")),
      Map.entry("cae_reconstruction_error_sum", Set.of("model")),
      Map.entry("cae_inference_seconds_bucket", Set.of("model", "le")),
      Map.entry("cae_inference_seconds_count", Set.of("model")),
      Map.entry("cae_inference_seconds_sum", Set.of("model")),
      Map.entry("cae_inference_seconds_max", Set.of("model")),
      Map.entry("cae_batch_size_bucket", Set.of("model", "le")),
      Map.entry("cae_batch_size_count", Set.of("model")),
      Map.entry("cae_batch_size_sum", Set.of("model")),
      Map.entry("cae_batch_size_max", Set.of("model")),
      Map.entry("cae_scoring_latency_seconds_bucket", Set.of("model", "le")),
      Map.entry("cae_scoring_latency_seconds_count", Set.of("model")),
      Map.entry("cae_scoring_latency_seconds_sum", Set.of("model")),
      Map.entry("cae_scoring_latency_seconds_max", Set.of("model")),
      Map.entry("cae_anomaly_threshold", Set.of("model")),
      Map.entry("cae_model_info", Set.of("model", "version", "provider")),
      Map.entry("cae_model_reloads_total", Set.of("model", "result")));

  /** The reason words the app registers: the image's and two of the record's. */
  static final List<String> REASONS = java.util.stream.Stream.concat(
      java.util.Arrays.stream(RejectReason.values()).map(RejectReason::word),
      java.util.stream.Stream.of("internal-error", "no-model")).toList();

  private PrometheusMeterRegistry registry;
  private CaeMetrics metrics;
  private ModelMetrics model;

  @BeforeEach
  void bind() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = new CaeMetrics(registry, REASONS, List.of(new CaeMetrics.Threshold(THRESHOLD, CALIBRATION)));
    model = metrics.register("synthetic-surface", "ae0edb5c58b4.3f2a91c0", "cpu", THRESHOLD);
  }

  private PrometheusText scrape() {
    return PrometheusText.parse(registry.scrape());
  }

  private static ScoreResult result(double score, String source) {
    return new ScoreResult(score, THRESHOLD, score > THRESHOLD, score / (score + THRESHOLD),
        score > THRESHOLD ? new Region(3, 4, 5, 6, 0.7) : null, null);
  }

  @Test
  void everyDesignMetricIsExportedUnderItsPrometheusNameBeforeAnyImage() {
    String text = registry.scrape();
    assertThat(text)
        .contains("# TYPE cae_images_total counter")
        .contains("# TYPE cae_rejected_images_total counter")
        .contains("# TYPE cae_reconstruction_error histogram")
        .contains("# TYPE cae_inference_seconds histogram")
        .contains("# TYPE cae_batch_size histogram")
        .contains("# TYPE cae_scoring_latency_seconds histogram")
        .contains("# TYPE cae_anomaly_threshold gauge")
        .contains("# TYPE cae_model_info gauge");
    PrometheusText t = PrometheusText.parse(text);
    assertThat(t.names()).containsAll(LABELS.keySet());
    for (String outcome : List.of("normal", "anomalous", "rejected")) {
      for (String m : List.of("synthetic-surface", CaeMetrics.NO_MODEL)) {
        assertThat(t.value("cae_images_total", "model", m, "outcome", outcome)).as(m + " " + outcome).isZero();
      }
    }
    for (String reason : REASONS) {
      assertThat(t.value("cae_rejected_images_total", "model", "synthetic-surface", "reason", reason))
          .as("cae_rejected_images_total{reason=%s} exists from the start", reason)
          .isZero();
    }
    assertThat(t.value("cae_anomaly_threshold")).isEqualTo(THRESHOLD);
    Sample info = t.find("cae_model_info").orElseThrow();
    assertThat(info.labels()).containsExactlyInAnyOrderEntriesOf(
        Map.of("model", "synthetic-surface", "version", "ae0edb5c58b4.3f2a91c0", "provider", "cpu"));
    assertThat(info.value()).isEqualTo(1.0);
    assertThat(t.named("cae_reconstruction_error_bucket")).isNotEmpty();
    assertThat(t.named("cae_inference_seconds_bucket")).isNotEmpty();
    assertThat(t.named("cae_batch_size_bucket")).isNotEmpty();
    assertThat(t.named("cae_scoring_latency_seconds_bucket")).isNotEmpty();
  }

  @Test
  void labelsAreOnlyTheDesignedOnes() {
    model.scored(result(0.004, "line-1/cam-1"), 2_000_000);
    model.rejected("corrupt");
    model.batchDone(3, 1_000_000);
    for (Sample s : scrape().samples()) {
      if (s.name().startsWith("cae_")) {
        assertThat(LABELS).as("unexpected cae_ series %s", s.name()).containsKey(s.name());
        assertThat(s.labels().keySet()).as("labels of %s", s).isEqualTo(LABELS.get(s.name()));
      }
    }
  }

  @Test
  void countersMoveWithOutcomes() {
    model.scored(result(0.004, "line-1/cam-1"), 3_000_000);
    model.scored(result(0.005, "line-1/cam-2"), 4_000_000);
    model.scored(result(0.02, "line-1/cam-3"), 5_000_000);
    model.rejected("too-large");
    model.rejected("unknown-format");
    model.rejected("unknown-format");
    metrics.rejected("internal-error");
    model.batchDone(8, 3_000_000);
    model.batchDone(2, 1_000_000);

    PrometheusText t = scrape();
    assertThat(t.value("cae_images_total", "model", "synthetic-surface", "outcome", "normal")).isEqualTo(2);
    assertThat(t.value("cae_images_total", "model", "synthetic-surface", "outcome", "anomalous")).isEqualTo(1);
    assertThat(t.value("cae_images_total", "model", "synthetic-surface", "outcome", "rejected")).isEqualTo(3);
    assertThat(t.value("cae_images_total", "model", CaeMetrics.NO_MODEL, "outcome", "rejected"))
        .as("a record no model saw").isEqualTo(1);
    assertThat(t.value("cae_rejected_images_total", "model", "synthetic-surface", "reason", "too-large")).isEqualTo(1);
    assertThat(t.value("cae_rejected_images_total", "model", "synthetic-surface", "reason", "unknown-format")).isEqualTo(2);
    assertThat(t.value("cae_rejected_images_total", "model", CaeMetrics.NO_MODEL, "reason", "internal-error")).isEqualTo(1);
    assertThat(t.value("cae_rejected_images_total", "model", "synthetic-surface", "reason", "empty")).isZero();
    double rejectedByReason = t.named("cae_rejected_images_total").stream().mapToDouble(Sample::value).sum();
    assertThat(rejectedByReason).as("sum over reasons = outcome rejected")
        .isEqualTo(t.named("cae_images_total").stream().filter(x -> x.label("outcome").equals("rejected"))
            .mapToDouble(Sample::value).sum());

    assertThat(t.value("cae_reconstruction_error_count")).isEqualTo(3);
    assertThat(t.value("cae_reconstruction_error_sum")).isCloseTo(0.029, within(1e-12));
    assertThat(t.value("cae_reconstruction_error_bucket", "model", "synthetic-surface", "le", "+Inf")).isEqualTo(3);
    assertThat(t.value("cae_scoring_latency_seconds_count")).isEqualTo(3);
    assertThat(t.value("cae_scoring_latency_seconds_sum")).isCloseTo(0.012, within(1e-9));
    assertThat(t.value("cae_batch_size_count")).isEqualTo(2);
    assertThat(t.value("cae_batch_size_sum")).isEqualTo(10);
    assertThat(t.value("cae_batch_size_bucket", "le", "8.0")).isEqualTo(2);
    assertThat(t.value("cae_batch_size_bucket", "le", "4.0")).isEqualTo(1);
    assertThat(t.value("cae_inference_seconds_count")).isEqualTo(2);
    assertThat(t.value("cae_inference_seconds_sum")).isCloseTo(0.004, within(1e-9));
    assertThat(t.value("cae_inference_seconds_bucket", "le", "+Inf")).isEqualTo(2);
    assertThat(metrics.count("normal")).isEqualTo(2);
    assertThat(metrics.count("anomalous")).isEqualTo(1);
    assertThat(metrics.count("rejected")).isEqualTo(4);
  }

  @Test
  void reconstructionErrorBucketsAreDerivedFromTheThresholdAndCalibration() {
    List<Double> le = les(scrape(), "cae_reconstruction_error_bucket");
    assertThat(le).last().isEqualTo(Double.POSITIVE_INFINITY);
    for (double m : new double[] {0.5, 1.0, 1.5, 2.0}) {
      assertThat(le).as("bound at %sx the threshold", m).anySatisfy(v -> assertThat(v).isCloseTo(m * THRESHOLD, within(1e-12)));
    }
    assertThat(le).as("calibration p50").anySatisfy(v -> assertThat(v).isCloseTo(P50, within(1e-12)));
    assertThat(le).as("calibration p99").anySatisfy(v -> assertThat(v).isCloseTo(P99, within(1e-12)));
    long fine = le.stream().filter(v -> v >= 0.5 * THRESHOLD && v <= 2 * THRESHOLD).count();
    assertThat(fine).as("bounds between 0.5x and 2x the threshold").isGreaterThanOrEqualTo(8);
    assertThat(le.get(0)).as("lowest bound well below normal scores").isLessThan(0.1 * THRESHOLD + 1e-15);
    assertThat(le.get(le.size() - 2)).as("highest finite bound well above the threshold").isGreaterThanOrEqualTo(10 * THRESHOLD);

    // A score just over the threshold and one just under fall on either side of the le=threshold bucket.
    model.scored(result(THRESHOLD * 0.99, "a"), 1);
    model.scored(result(THRESHOLD * 1.01, "b"), 1);
    PrometheusText t = scrape();
    Sample atThreshold = t.named("cae_reconstruction_error_bucket").stream()
        .filter(s -> Math.abs(Double.parseDouble(s.label("le")) - THRESHOLD) < 1e-12)
        .findFirst().orElseThrow();
    assertThat(atThreshold.value()).isEqualTo(1);
    assertThat(t.value("cae_reconstruction_error_bucket", "le", "+Inf")).isEqualTo(2);
  }

  @Test
  void eachModelHasItsOwnSeriesAndInfo() {
    ModelMetrics other = metrics.register("gasket", "41d9ae2241cd.c0e9ed98", "cpu", 0.02);
    model.scored(result(0.004, "a"), 1);
    other.scored(result(0.05, "b"), 1);
    other.scored(result(0.05, "c"), 1);
    other.batchDone(2, 1_000);
    PrometheusText t = scrape();
    assertThat(t.named("cae_model_info")).extracting(x -> x.label("model") + "@" + x.label("version"))
        .containsExactlyInAnyOrder("synthetic-surface@ae0edb5c58b4.3f2a91c0", "gasket@41d9ae2241cd.c0e9ed98");
    assertThat(t.value("cae_images_total", "model", "gasket", "outcome", "anomalous")).isEqualTo(2);
    assertThat(t.value("cae_images_total", "model", "synthetic-surface", "outcome", "anomalous")).isZero();
    assertThat(t.value("cae_reconstruction_error_count", "model", "gasket")).isEqualTo(2);
    assertThat(t.value("cae_anomaly_threshold", "model", "gasket")).isEqualTo(0.02);
    assertThat(t.value("cae_batch_size_count", "model", "gasket")).isEqualTo(1);
    assertThat(t.value("cae_batch_size_count", "model", "synthetic-surface")).isZero();
  }

  @Test
  void aNewVersionReplacesTheInfoSeriesAndTheCountsGoOn() {
    model.scored(result(0.004, "a"), 1);
    ModelMetrics next = metrics.register("synthetic-surface", "0123456789ab.3f2a91c0", "cpu", 0.5);
    model.close();
    next.scored(result(0.004, "a"), 1);
    metrics.reload("synthetic-surface", "loaded");
    metrics.reload("gasket", "refused");
    PrometheusText t = scrape();
    assertThat(t.named("cae_model_info")).extracting(x -> x.label("version")).containsExactly("0123456789ab.3f2a91c0");
    assertThat(t.value("cae_images_total", "model", "synthetic-surface", "outcome", "normal")).isEqualTo(2);
    assertThat(t.value("cae_anomaly_threshold", "model", "synthetic-surface")).isEqualTo(0.5);
    assertThat(t.value("cae_model_reloads_total", "model", "synthetic-surface", "result", "loaded")).isEqualTo(1);
    assertThat(t.value("cae_model_reloads_total", "model", "gasket", "result", "refused")).isEqualTo(1);
  }

  @Test
  void withoutCalibrationTheBucketsStillFollowTheThreshold() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    double threshold = 0.05;
    new CaeMetrics(r, REASONS, List.of(new CaeMetrics.Threshold(threshold, null))).register("m", "v", "cuda", threshold);
    List<Double> le = les(PrometheusText.parse(r.scrape()), "cae_reconstruction_error_bucket");
    for (double m : new double[] {0.5, 0.8, 1.0, 1.25, 2.0}) {
      assertThat(le).as("bound at %sx", m).anySatisfy(v -> assertThat(v).isCloseTo(m * threshold, within(1e-12)));
    }
  }

  @Test
  void bindsToOtherRegistriesToo() {
    SimpleMeterRegistry r = new SimpleMeterRegistry();
    ModelMetrics m = new CaeMetrics(r, REASONS, List.of(new CaeMetrics.Threshold(THRESHOLD, CALIBRATION)))
        .register("m", "v", "cpu", THRESHOLD);
    m.scored(result(0.004, "a"), 1_000_000);
    m.scored(result(0.02, "b"), 1_000_000);
    assertThat(r.get("cae.reconstruction.error").summary().count()).isEqualTo(2);
    assertThat(r.get("cae.reconstruction.error").summary().totalAmount()).isCloseTo(0.024, within(1e-12));
    assertThat(r.get("cae.images").tag("model", "m").tag("outcome", "anomalous").counter().count()).isEqualTo(1);
    assertThat(r.get("cae.model.info").gauge().value()).isEqualTo(1);
  }

  @Test
  void seriesCountDoesNotGrowWithImagesOrSources() {
    model.scored(result(0.004, "line-1/cam-1"), 1_000_000);
    model.batchDone(1, 1_000_000);
    Set<String> before = caeSeries(scrape());
    List<String> sources = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String source = "line-" + i % 17 + "/cam-" + i;
      sources.add(source);
      model.scored(result(0.001 + i * 0.0001, source), 1_000L * (i + 1));
      if (i % 5 == 0) {
        model.rejected(REASONS.get(i % REASONS.size()));
      }
      model.batchDone(1 + i % 64, 10_000L * i);
    }
    String text = registry.scrape();
    Set<String> after = caeSeries(PrometheusText.parse(text));
    assertThat(after).as("cae_ series after 500 images from 500 sources").isEqualTo(before);
    assertThat(sources).noneMatch(text::contains);
    assertThat(after.size()).as("bounded series count").isLessThan(200);
  }

  private static Set<String> caeSeries(PrometheusText t) {
    return t.samples().stream()
        .filter(s -> s.name().startsWith("cae_"))
        .map(s -> s.name() + s.labels())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Double> les(PrometheusText t, String bucket) {
    return t.named(bucket).stream().map(s -> PrometheusText.parseLe(s.label("le"))).sorted().toList();
  }
}
