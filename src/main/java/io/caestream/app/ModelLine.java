package io.caestream.app;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelFolder;
import io.caestream.model.ModelLoadException;
import io.caestream.model.ModelRepository;
import io.caestream.model.ParityCheck;
import io.caestream.observe.CaeMetrics;
import io.caestream.observe.ModelMetrics;
import io.caestream.scoring.ScoringEngine;
import io.caestream.scoring.SourceRoutes;
import io.caestream.stream.ModelInfo;
import io.caestream.stream.RoutedScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models one scorer serves and the routes to them: every model of {@code model.repository}
 * (each with its own session and batcher), or the one of {@code model.path} as a repository of
 * one. A model that cannot be used stops start-up naming its folder.
 *
 * <p>A repository is reloaded on a timer and on {@code POST /admin/reload}: a new or changed model
 * is opened beside the running ones, checked (shapes and metadata at load, the calibration's model
 * hash, its parity file if any), warmed up, and only then swapped in, together with the routing,
 * in one step between records. Images already being scored finish on the old version; its session
 * closes once the last of them is done. A model that fails is refused (one log line,
 * {@code cae_model_reloads_total{result="refused"}}) and the old one keeps serving.
 */
final class ModelLine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelLine.class);
  /** Runs of a new model before it serves. */
  static final int WARM_UP_RUNS = 3;
  /** How long a replaced model may take to finish the images it has. */
  private static final long RETIRE_TIMEOUT_MS = 60_000;

  /** The loaded state of one model. */
  private record Loaded(ScoringEngine engine, Slot batches, RoutedScorer.Served served, String fingerprint,
      ScoringEngine shadow) {
    Loaded(ScoringEngine engine, Slot batches, RoutedScorer.Served served, String fingerprint) {
      this(engine, batches, served, fingerprint, null);
    }

    void close() {
      engine.close();
      if (shadow != null) {
        shadow.close();
      }
    }
  }

  private final CaeConfig config;
  private final Path repository;
  private volatile Map<String, Loaded> loaded;
  private final RoutedScorer scorer;
  private final Map<String, ModelMetrics> metrics = new ConcurrentHashMap<>();
  /** Fingerprints of files already refused: refused once, not again at every poll. */
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  private volatile CaeMetrics caeMetrics;
  private ScheduledExecutorService watcher;

  /**
   * A model's batcher reports here from its first batch; the metrics it forwards to exist only
   * once every model is loaded (their buckets follow all thresholds) or, after a reload, once it
   * serves (its warm-up is not counted).
   */
  private static final class Slot implements BatchListener {
    private volatile BatchListener target = BatchListener.NONE;

    @Override
    public void batchDone(int size, long nanos) {
      target.batchDone(size, nanos);
    }
  }

  private ModelLine(CaeConfig config, Path repository, Map<String, Loaded> loaded, RoutedScorer scorer) {
    this.config = config;
    this.repository = repository;
    this.loaded = loaded;
    this.scorer = scorer;
  }

  static ModelLine open(CaeConfig config) {
    String repository = config.string(CaeConfig.MODEL_REPOSITORY);
    if (!repository.isEmpty() && !config.string(CaeConfig.MODEL_PATH).isEmpty()) {
      throw new ConfigException(CaeConfig.MODEL_PATH, "set model.path or model.repository, not both");
    }
    Map<String, Loaded> loaded = new LinkedHashMap<>();
    try {
      SourceRoutes routes;
      if (repository.isEmpty()) {
        Slot slot = new Slot();
        ScoringEngine e = openOne(config, slot);
        loaded.put(e.name(), new Loaded(e, slot, RoutedScorer.Served.of(e), ""));
        routes = SourceRoutes.parse(routesOrAll(config, List.of(e.name())), loaded.keySet());
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
          loaded.put(f.name(), load(config, f));
        }
      }
      return new ModelLine(config, repository.isEmpty() ? null : Path.of(repository), loaded,
          new RoutedScorer(routes, served(loaded)));
    } catch (RuntimeException e) {
      loaded.values().forEach(Loaded::close);
      throw e;
    }
  }

  /** Opens and checks a repository model; it serves nothing yet. */
  private static Loaded load(CaeConfig config, ModelFolder f) {
    Slot slot = new Slot();
    ScoringEngine e;
    try {
      e = ScoringEngine.open(config, f, slot);
    } catch (ModelLoadException ex) {
      throw new ModelLoadException("cannot use the model " + f.folder() + ": " + ex.getMessage(), ex);
    }
    ScoringEngine shadow = null;
    String part = f.folder().toString();
    try {
      f.parity().ifPresent(p -> ParityCheck.verify(e.model(), p));
      e.warmUp(WARM_UP_RUNS);
      ModelFolder sf = f.shadowFolder().orElse(null);
      if (sf != null) {
        part = f.folder().resolve(ModelRepository.SHADOW_FILE).toString();
        // Checked as strictly as the model itself: a shadow with a stale calibration is refused too.
        shadow = ScoringEngine.open(config, sf, BatchListener.NONE);
        shadow.warmUp(WARM_UP_RUNS);
      }
      return new Loaded(e, slot, RoutedScorer.Served.of(e, shadow), f.fingerprint(), shadow);
    } catch (RuntimeException ex) {
      e.close();
      if (shadow != null) {
        shadow.close();
      }
      throw new ModelLoadException("cannot use the model " + part + ": " + ex.getMessage(), ex);
    }
  }

  private static Map<String, RoutedScorer.Served> served(Map<String, Loaded> loaded) {
    Map<String, RoutedScorer.Served> out = new LinkedHashMap<>();
    loaded.forEach((name, l) -> out.put(name, l.served()));
    return out;
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

  /** What the reconstruction-error buckets need: every model's threshold and calibration. */
  List<CaeMetrics.Threshold> thresholds() {
    return loaded.values().stream().map(l -> new CaeMetrics.Threshold(l.engine().scorer().settings().threshold(),
        l.engine().calibration().orElse(null))).toList();
  }

  /** Registers each model's meters ({@code cae_model_info} and the model label) and feeds them. */
  void attach(CaeMetrics m) {
    this.caeMetrics = m;
    loaded.forEach(this::attach);
  }

  private void attach(String name, Loaded l) {
    ModelInfo info = l.served().info();
    ModelMetrics mm = caeMetrics.register(name, info.version(), info.provider(),
        l.engine().scorer().settings().threshold());
    metrics.put(name, mm);
    l.batches().target = mm;
  }

  /** The meters of the model that scored or refused an image. */
  ModelMetrics metricsOf(ModelInfo model) {
    return metrics.get(model.name());
  }

  /** Checks the repository every {@code pollMillis} (0 = never; POST /admin/reload still works). */
  void watch(long pollMillis) {
    if (repository == null || pollMillis <= 0) {
      return;
    }
    watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cae-model-watch");
      t.setDaemon(true);
      return t;
    });
    watcher.scheduleWithFixedDelay(() -> {
      try {
        reload();
      } catch (RuntimeException e) {
        LOG.error("model reload failed; the loaded models keep serving", e);
      }
    }, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * One pass over the repository. Returns what happened per model: {@code loaded},
   * {@code refused: why}, {@code removed}; empty when nothing changed (or no repository).
   */
  synchronized Map<String, String> reload() {
    Map<String, String> results = new LinkedHashMap<>();
    if (repository == null) {
      return results;
    }
    List<ModelFolder> found;
    try {
      found = ModelRepository.scan(repository);
    } catch (ModelLoadException e) {
      LOG.error("model repository not reloaded, the loaded models keep serving: {}", e.getMessage());
      return Map.of("repository", "refused: " + e.getMessage());
    }
    Map<String, Loaded> before = loaded;
    Map<String, Loaded> next = new LinkedHashMap<>();
    Map<String, Loaded> fresh = new LinkedHashMap<>();
    Set<String> present = new LinkedHashSet<>();
    for (ModelFolder f : found) {
      present.add(f.name());
      Loaded old = before.get(f.name());
      if (old != null && old.fingerprint().equals(f.fingerprint())) {
        next.put(f.name(), old);
        continue;
      }
      if (f.fingerprint().equals(refused.get(f.name()))) {
        if (old != null) {
          next.put(f.name(), old);
        }
        continue;
      }
      try {
        Loaded l = load(config, f);
        next.put(f.name(), l);
        fresh.put(f.name(), l);
      } catch (RuntimeException e) {
        refused.put(f.name(), f.fingerprint());
        LOG.error("model {} refused{}: {}", f.name(), old == null ? "" : ", " + old.served().info().version()
            + " keeps serving", oneLine(e.getMessage()));
        count(f.name(), "refused");
        results.put(f.name(), "refused: " + oneLine(e.getMessage()));
        if (old != null) {
          next.put(f.name(), old);
        }
      }
    }
    List<String> removed = before.keySet().stream().filter(n -> !present.contains(n)).toList();
    if (fresh.isEmpty() && removed.isEmpty()) {
      return results;
    }
    if (next.isEmpty()) {
      LOG.error("model repository {} would serve no model: kept the loaded ones", repository);
      fresh.values().forEach(Loaded::close);
      results.put("repository", "refused: no model left");
      return results;
    }
    SourceRoutes routes;
    try {
      Set<String> names = new LinkedHashSet<>(before.keySet());
      names.addAll(next.keySet());
      routes = SourceRoutes.parse(routesOrAll(config, new ArrayList<>(next.keySet())), names);
    } catch (ConfigException e) {
      LOG.error("models not swapped, the loaded ones keep serving: {}", e.getMessage());
      fresh.values().forEach(Loaded::close);
      fresh.keySet().forEach(n -> results.put(n, "refused: " + e.getMessage()));
      return results;
    }
    // The new routing first: a removed model's sources stop only once it is in place.
    scorer.replace(routes, served(next));
    loaded = next;
    for (Map.Entry<String, Loaded> e : fresh.entrySet()) {
      Loaded old = before.get(e.getKey());
      ModelMetrics oldMetrics = metrics.get(e.getKey());
      // The new meters first: images of the old version still finishing count on them.
      if (caeMetrics != null) {
        attach(e.getKey(), e.getValue());
      }
      if (oldMetrics != null && old != null
          && !old.served().info().version().equals(e.getValue().served().info().version())) {
        oldMetrics.close();
      }
      if (old != null) {
        retire(e.getKey(), old);
      }
      LOG.info("model {} {} serving{}", e.getKey(), e.getValue().served().info().version(),
          old == null ? " (new)" : " (was " + old.served().info().version() + ")");
      count(e.getKey(), "loaded");
      results.put(e.getKey(), "loaded " + e.getValue().served().info().version());
    }
    for (String name : removed) {
      // Its counters stay (images still finishing count there); its info series goes.
      ModelMetrics m = metrics.get(name);
      if (m != null) {
        m.close();
      }
      retire(name, before.get(name));
      LOG.info("model {} removed: its folder is gone", name);
      count(name, "removed");
      results.put(name, "removed");
    }
    return results;
  }

  /** Closes a replaced or removed model once its in-flight images are done. */
  private void retire(String name, Loaded old) {
    try {
      if (!old.served().awaitIdle(RETIRE_TIMEOUT_MS)) {
        LOG.warn("model {} {} still busy after {} ms; closing it", name, old.served().info().version(),
            RETIRE_TIMEOUT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    old.close();
  }

  private void count(String name, String result) {
    if (caeMetrics != null) {
      caeMetrics.reload(name, result);
    }
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  RoutedScorer scorer() {
    return scorer;
  }

  /** The models serving now, by name. */
  Map<String, ScoringEngine> engines() {
    Map<String, ScoringEngine> out = new LinkedHashMap<>();
    loaded.forEach((name, l) -> out.put(name, l.engine()));
    return out;
  }

  /** Per model: its version, provider and what is wrong with it, for /health/ready. */
  Map<String, Object> health() {
    Map<String, Object> out = new LinkedHashMap<>();
    engines().forEach((name, engine) -> {
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
    return engines().entrySet().stream().filter(e -> e.getValue().calibrationProblem().isPresent())
        .map(e -> e.getKey() + ": MISMATCH, serving uncalibrated: " + e.getValue().calibrationProblem().get())
        .collect(java.util.stream.Collectors.joining("; "));
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
    synchronized (this) {
      loaded.values().forEach(Loaded::close);
    }
  }
}
