package io.caestream.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How a model's shadow compares with it, image by image, tagged {@code model=NAME} (the live
 * model's folder name):
 * <ul>
 *   <li>{@code cae.shadow.comparisons} {model, outcome=both|neither|live-only|shadow-only|failed}
 *       -> {@code cae_shadow_comparisons_total}: both flagged the image anomalous, neither did,
 *       only one did, or the shadow could not score it. Agreement rate = (both + neither) / all
 *       scored, over any range, in PromQL;</li>
 *   <li>{@code cae.shadow.agreement} {model} gauge: the same rate over the last
 *       {@value #WINDOW} images both scored -> {@code cae_shadow_agreement};</li>
 *   <li>{@code cae.shadow.score.correlation} {model} gauge: Pearson correlation of the two scores
 *       over those images (NaN until two differ) -> {@code cae_shadow_score_correlation}.</li>
 * </ul>
 */
public final class ShadowComparison {
  static final int WINDOW = 1000;

  private final Counter both;
  private final Counter neither;
  private final Counter liveOnly;
  private final Counter shadowOnly;
  private final Counter failed;
  private final double[] live = new double[WINDOW];
  private final double[] shadow = new double[WINDOW];
  private final boolean[] agreed = new boolean[WINDOW];
  private int next;
  private int size;

  ShadowComparison(MeterRegistry r, String model) {
    both = counter(r, model, "both");
    neither = counter(r, model, "neither");
    liveOnly = counter(r, model, "live-only");
    shadowOnly = counter(r, model, "shadow-only");
    failed = counter(r, model, "failed");
    Gauge.builder("cae.shadow.agreement", this, ShadowComparison::agreement)
        .description("Share of the last images on which the shadow model's verdict equals the model's")
        .tag("model", model).register(r);
    Gauge.builder("cae.shadow.score.correlation", this, ShadowComparison::correlation)
        .description("Pearson correlation of model and shadow scores over the last images")
        .tag("model", model).register(r);
  }

  private static Counter counter(MeterRegistry r, String model, String outcome) {
    return Counter.builder("cae.shadow.comparisons").description("Images scored by a model and its shadow, by verdicts")
        .tag("model", model).tag("outcome", outcome).register(r);
  }

  /** One image both scored. */
  public synchronized void compared(boolean liveAnomalous, double liveScore, boolean shadowAnomalous,
      double shadowScore) {
    (liveAnomalous ? (shadowAnomalous ? both : liveOnly) : (shadowAnomalous ? shadowOnly : neither)).increment();
    live[next] = liveScore;
    shadow[next] = shadowScore;
    agreed[next] = liveAnomalous == shadowAnomalous;
    next = (next + 1) % WINDOW;
    size = Math.min(WINDOW, size + 1);
  }

  /** An image the shadow could not score. */
  public void failed() {
    failed.increment();
  }

  synchronized double agreement() {
    if (size == 0) {
      return Double.NaN;
    }
    int n = 0;
    for (int i = 0; i < size; i++) {
      n += agreed[i] ? 1 : 0;
    }
    return n / (double) size;
  }

  synchronized double correlation() {
    if (size < 2) {
      return Double.NaN;
    }
    double ml = 0;
    double ms = 0;
    for (int i = 0; i < size; i++) {
      ml += live[i];
      ms += shadow[i];
    }
    ml /= size;
    ms /= size;
    double cov = 0;
    double vl = 0;
    double vs = 0;
    for (int i = 0; i < size; i++) {
      double dl = live[i] - ml;
      double ds = shadow[i] - ms;
      cov += dl * ds;
      vl += dl * dl;
      vs += ds * ds;
    }
    return vl == 0 || vs == 0 ? Double.NaN : cov / Math.sqrt(vl * vs);
  }
}
