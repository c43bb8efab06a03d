package io.caestream.stream;

import io.caestream.image.ImageRejectedException;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoreResult;
import io.caestream.scoring.ScoringEngine;
import io.caestream.scoring.SourceRoutes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scores each source with the model its first matching {@code model.routes} rule names, with the
 * rule's threshold when it sets one. Rules and models are replaced together in one atomic step,
 * so a record sees either the old routing or the new one, never half of each.
 */
public final class RoutedScorer implements SourceScorer {
  /**
   * A loaded model as the stream serves it. {@code inFlight} counts the images it is scoring
   * now, so that a replaced model is closed only after its last one.
   */
  public record Served(ImageScorer scorer, ModelInfo info, String thresholdFrom, AtomicInteger inFlight,
      ImageScorer shadow, ModelInfo shadowInfo) {
    public static Served of(ScoringEngine engine) {
      return of(engine, null);
    }

    /** A model and its shadow (null: none), which scores every image the model scores. */
    public static Served of(ScoringEngine engine, ScoringEngine shadow) {
      return new Served(engine.scorer(), ModelInfo.of(engine), engine.thresholdFrom(), new AtomicInteger(),
          shadow == null ? null : shadow.scorer(), shadow == null ? null : ModelInfo.of(shadow));
    }

    /** Waits until no image is being scored by this model (after it was replaced). */
    public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
      while (inFlight.get() > 0) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(5);
      }
      return true;
    }
  }

  /** What one rule leads to, prepared when the routing is built: no work per record. */
  private record Target(ImageScorer scorer, ModelInfo info, String thresholdFrom, AtomicInteger inFlight,
      ImageScorer shadow, ModelInfo shadowInfo) {}

  private record Routing(SourceRoutes routes, List<Target> byRule) {}

  private final AtomicReference<Routing> routing = new AtomicReference<>();

  public RoutedScorer(SourceRoutes routes, Map<String, Served> models) {
    replace(routes, models);
  }

  /** Every source to the one model of {@code engine}. */
  public static RoutedScorer of(ScoringEngine engine) {
    Served s = Served.of(engine);
    return new RoutedScorer(SourceRoutes.all(s.info().name()), Map.of(s.info().name(), s));
  }

  /**
   * Installs new rules and models at once; records already being scored finish as they began.
   * A rule whose model is not in {@code models} (its folder was removed) is left out, so its
   * sources fall through to the next matching rule or to no-model.
   */
  public void replace(SourceRoutes routes, Map<String, Served> models) {
    List<Target> targets = new ArrayList<>();
    List<SourceRoutes.Route> kept = new ArrayList<>();
    for (SourceRoutes.Route r : routes.routes()) {
      Served m = models.get(r.model());
      if (m == null) {
        continue;
      }
      kept.add(r);
      if (r.overridesThreshold()) {
        double base = r.threshold() != null ? r.threshold() : m.scorer().settings().threshold();
        targets.add(new Target(m.scorer().withSettings(m.scorer().settings().withThreshold(base / r.sensitivity())),
            m.info(), "route:" + r.glob(), m.inFlight(), m.shadow(), m.shadowInfo()));
      } else {
        targets.add(new Target(m.scorer(), m.info(), m.thresholdFrom(), m.inFlight(), m.shadow(), m.shadowInfo()));
      }
    }
    routing.set(new Routing(routes.only(kept), List.copyOf(targets)));
  }

  @Override
  public ModelInfo modelFor(String source) {
    Routing now = routing.get();
    int rule = now.routes().indexOf(source);
    return rule < 0 ? null : now.byRule().get(rule).info();
  }

  @Override
  public Scored score(String source, byte[] image, ImageScorer.KeepMap keep)
      throws ImageRejectedException, RecordRejectedException {
    Target t;
    while (true) {
      Routing now = routing.get();
      int rule = now.routes().indexOf(source);
      if (rule < 0) {
        throw new RecordRejectedException(RecordProblem.NO_MODEL, "no rule of model.routes matches source '"
            + source + "'");
      }
      t = now.byRule().get(rule);
      t.inFlight().incrementAndGet();
      // Counted before the routing is read again: whoever replaced it and then saw the count at
      // zero has not closed a model this image is about to use, or the routing has moved on and
      // this image takes the new one.
      if (routing.get() == now) {
        break;
      }
      t.inFlight().decrementAndGet();
    }
    try {
      ScoreResult live = t.scorer().score(image, keep);
      return new Scored(live, t.info(), t.scorer().settings().pixelThreshold(), t.thresholdFrom(), shadow(t, image));
    } finally {
      t.inFlight().decrementAndGet();
    }
  }

  /**
   * The shadow's verdict on an image the live model scored. A shadow is on trial: whatever goes
   * wrong with it is reported on its result, never thrown into the live path.
   */
  private static Shadow shadow(Target t, byte[] image) {
    if (t.shadow() == null) {
      return null;
    }
    try {
      return new Shadow(t.shadow().score(image, ImageScorer.KeepMap.NEVER), t.shadowInfo(), null);
    } catch (ImageRejectedException e) {
      return new Shadow(null, t.shadowInfo(), e.reason().word());
    } catch (RuntimeException e) {
      return new Shadow(null, t.shadowInfo(), "failed: " + e.getMessage());
    }
  }
}
