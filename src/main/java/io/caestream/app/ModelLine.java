package io.caestream.app;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelFolder;
import io.caestream.model.ModelLoadException;
import io.caestream.model.ModelRepository;
import io.caestream.observe.CaeMetrics;
import io.caestream.observe.ModelMetrics;
import io.caestream.scoring.ScoringEngine;
import io.caestream.scoring.SourceRoutes;
import io.caestream.stream.ModelInfo;
import io.caestream.stream.RoutedScorer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models one scorer serves and the routes to them: every model of {@code model.repository}
 * (each with its own session and batcher), or the one of {@code model.path} as a repository of
 * one. A model that cannot be used stops start-up naming its folder.
 */
final class ModelLine implements AutoCloseable {
  private final Map<String, ScoringEngine> engines;
  private final Map<String, Slot> batchListeners;
  private final RoutedScorer scorer;
  private final Map<String, ModelMetrics> metrics = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A model's batcher reports here from its first batch; the metrics it forwards to exist only
   * once every model is loaded (their buckets follow all thresholds).
   */
  private static final class Slot implements BatchListener {
    private volatile BatchListener target = BatchListener.NONE;

    @Override
    public void batchDone(int size, long nanos) {
      target.batchDone(size, nanos);
    }
  }

  private ModelLine(Map<String, ScoringEngine> engines, Map<String, Slot> batchListeners, RoutedScorer scorer) {
    this.engines = engines;
    this.batchListeners = batchListeners;
    this.scorer = scorer;
  }

  static ModelLine open(CaeConfig config) {
    Map<String, Slot> slots = new LinkedHashMap<>();
    String repository = config.string(CaeConfig.MODEL_REPOSITORY);
    if (!repository.isEmpty() && !config.string(CaeConfig.MODEL_PATH).isEmpty()) {
      throw new ConfigException(CaeConfig.MODEL_PATH, "set model.path or model.repository, not both");
    }
    Map<String, ScoringEngine> engines = new LinkedHashMap<>();
    try {
      SourceRoutes routes;
      if (repository.isEmpty()) {
        Slot slot = new Slot();
        ScoringEngine e = openOne(config, slot);
        engines.put(e.name(), e);
        slots.put(e.name(), slot);
        routes = SourceRoutes.parse(routesOrAll(config, List.of(e.name())), engines.keySet());
      } else {
        List<ModelFolder> folders = ModelRepository.scan(Path.of(repository));
        if (folders.isEmpty()) {
          throw new ConfigException(CaeConfig.MODEL_REPOSITORY, repository + " holds no model (NAME/"
              + ModelRepository.MODEL_FILE + ")");
        }
        List<String> names = folders.stream().map(ModelFolder::name).toList();
        // Before loading anything: a wrong rule is a config error, found in a second.
        routes = SourceRoutes.parse(routesOrAll(config, names), names);
        for (ModelFolder f : folders) {
          Slot slot = new Slot();
          engines.put(f.name(), openFolder(config, f, slot));
          slots.put(f.name(), slot);
        }
      }
      Map<String, RoutedScorer.Served> served = new LinkedHashMap<>();
      engines.forEach((name, e) -> served.put(name, RoutedScorer.Served.of(e)));
      return new ModelLine(engines, slots, new RoutedScorer(routes, served));
    } catch (RuntimeException e) {
      engines.values().forEach(ScoringEngine::close);
      throw e;
    }
  }

  /** {@code model.routes}, or every source to the only model; several models need routes. */
  private static String routesOrAll(CaeConfig config, List<String> models) {
    String text = config.string(CaeConfig.MODEL_ROUTES);
    if (!text.isBlank()) {
      return text;
    }
    if (models.size() != 1) {
      throw new ConfigException(CaeConfig.MODEL_ROUTES, "the repository holds " + models.size() + " models "
          + models + ": say which sources each one scores");
    }
    return "**=" + models.get(0);
  }

  /** The model of {@code model.path}; a model that cannot be used names the file (exit code 1). */
  private static ScoringEngine openOne(CaeConfig config, BatchListener listener) {
    try {
      return ScoringEngine.open(config, listener);
    } catch (ModelLoadException e) {
      String path = config.string(CaeConfig.MODEL_PATH);
      throw new ModelLoadException("cannot use the model " + (path.isEmpty() ? "(bundled)" : CaeConfig.MODEL_PATH
          + "=" + path) + ": " + e.getMessage(), e);
    }
  }

  private static ScoringEngine openFolder(CaeConfig config, ModelFolder f, BatchListener listener) {
    try {
      return ScoringEngine.open(config, f, listener);
    } catch (ModelLoadException e) {
      throw new ModelLoadException("cannot use the model " + f.folder() + ": " + e.getMessage(), e);
    }
  }

  /** What the reconstruction-error buckets need: every model's threshold and calibration. */
  List<CaeMetrics.Threshold> thresholds() {
    return engines.values().stream().map(e -> new CaeMetrics.Threshold(e.scorer().settings().threshold(),
        e.calibration().orElse(null))).toList();
  }

  /** Registers each model's meters ({@code cae_model_info} and the model label) and feeds them. */
  void attach(CaeMetrics caeMetrics) {
    engines.forEach((name, e) -> {
      ModelInfo info = ModelInfo.of(e);
      ModelMetrics m = caeMetrics.register(name, info.version(), info.provider(), e.scorer().settings().threshold());
      metrics.put(name, m);
      batchListeners.get(name).target = m;
    });
  }

  /** The meters of the model that scored or refused an image. */
  ModelMetrics metricsOf(ModelInfo model) {
    return metrics.get(model.name());
  }

  RoutedScorer scorer() {
    return scorer;
  }

  Map<String, ScoringEngine> engines() {
    return engines;
  }

  /** Per model: loaded, its provider and what is wrong with it, for /health/ready. */
  Map<String, Object> health() {
    Map<String, Object> out = new LinkedHashMap<>();
    engines.forEach((name, engine) -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("version", engine.version());
      d.put("provider", engine.model().provider().provider().word());
      engine.calibrationProblem().ifPresent(p -> d.put("calibration", "mismatch: " + p));
      if (engine.model().provider().fellBack()) {
        d.put("providerFallback", engine.model().provider().fallbackReason());
      }
      out.put(name, d);
    });
    return out;
  }

  /** The models served uncalibrated and why, for the top of /health/ready; empty when none. */
  String calibrationWarnings() {
    return engines.entrySet().stream().filter(e -> e.getValue().calibrationProblem().isPresent())
        .map(e -> e.getKey() + ": MISMATCH, serving uncalibrated: " + e.getValue().calibrationProblem().get())
        .collect(java.util.stream.Collectors.joining("; "));
  }

  @Override
  public void close() {
    engines.values().forEach(ScoringEngine::close);
  }
}
