package io.caestream.scoring;

import io.caestream.config.CaeConfig;
import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageLimits;
import io.caestream.model.BatchListener;
import io.caestream.model.CaeModel;
import io.caestream.model.DynamicBatcher;
import io.caestream.model.ExecutionProvider;
import io.caestream.model.ModelLoadException;
import io.caestream.model.ModelOptions;
import io.caestream.model.ModelSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything needed to score, opened from the config in one place: model, batcher, calibration
 * and the {@link ImageScorer}. The CLI commands and the stream both start here.
 */
public final class ScoringEngine implements AutoCloseable {
  private final CaeModel model;
  private final DynamicBatcher batcher;
  private final ImageScorer scorer;
  private final Optional<Calibration> calibration;
  private final ModelSource source;
  private final Optional<String> calibrationProblem;
  private final String thresholdFrom;
  private final String name;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringEngine.class);

  private ScoringEngine(String name, ModelSource source, CaeModel model, DynamicBatcher batcher,
      ImageScorer scorer, Optional<Calibration> calibration, Optional<String> calibrationProblem,
      String thresholdFrom) {
    this.thresholdFrom = thresholdFrom;
    this.name = name;
    this.source = source;
    this.calibrationProblem = calibrationProblem;
    this.model = model;
    this.batcher = batcher;
    this.scorer = scorer;
    this.calibration = calibration;
  }

  /** What the engine is opened for; decides whether a threshold is required. */
  public enum Purpose {
    /** Serving and scoring: the threshold comes from the calibration or {@code model.threshold}. */
    SERVE,
    /** {@code calibrate}: raw scores, no threshold yet. */
    CALIBRATE,
    /** {@code evaluate}: like SERVE, but another method than the calibration's gives raw scores only. */
    EVALUATE
  }

  /** Opens for serving: a threshold must come from the calibration or {@code model.threshold}. */
  public static ScoringEngine open(CaeConfig config, BatchListener listener) {
    return open(config, listener, Purpose.SERVE);
  }

  public static ScoringEngine open(CaeConfig config, BatchListener listener, Purpose purpose) {
    String path = config.string(CaeConfig.MODEL_PATH);
    return open(config, ModelSource.fileOrBundled(path.isEmpty() ? null : Path.of(path)), null, listener, purpose);
  }

  /** Keys a model's {@code model.properties} may set for that model alone. */
  public static final java.util.Set<String> MODEL_PROPERTIES = java.util.Set.of(CaeConfig.MODEL_THRESHOLD,
      CaeConfig.SCORING_METHOD, CaeConfig.IMAGE_FIT, CaeConfig.IMAGE_TILE_OVERLAP, CaeConfig.IMAGE_ROI_MASK);

  /** Opens a repository's model for serving, with its {@code model.properties} over {@code config}. */
  public static ScoringEngine open(CaeConfig config, io.caestream.model.ModelFolder folder, BatchListener listener) {
    return open(withModelProperties(config, folder), folder.source(), folder.name(), listener, Purpose.SERVE);
  }

  /**
   * The config as this model sees it. The values go through the same declared keys as the main
   * config, so a bad one is refused the same way, naming the file and the key.
   */
  static CaeConfig withModelProperties(CaeConfig config, io.caestream.model.ModelFolder folder) {
    java.util.Map<String, String> own = new java.util.LinkedHashMap<>();
    folder.properties().forEach((k, v) -> {
      if (!MODEL_PROPERTIES.contains(k)) {
        throw new ModelLoadException(folder.name() + "/" + io.caestream.model.ModelRepository.PROPERTIES_FILE
            + ": " + k + " cannot be set per model (allowed: " + new java.util.TreeSet<>(MODEL_PROPERTIES) + ")");
      }
      // A mask path is relative to the model's folder, so the folder moves as one.
      own.put(k, k.equals(CaeConfig.IMAGE_ROI_MASK) && !v.isEmpty() && folder.folder() != null
          ? folder.folder().resolve(v).toString() : v);
    });
    try {
      return own.isEmpty() ? config : config.with(own);
    } catch (io.caestream.config.ConfigException e) {
      throw new ModelLoadException(folder.name() + "/" + io.caestream.model.ModelRepository.PROPERTIES_FILE
          + ": " + e.getMessage(), e);
    }
  }

  /** @param name the repository's name for the model; null = the name in its metadata */
  private static ScoringEngine open(CaeConfig config, ModelSource source, String name, BatchListener listener,
      Purpose purpose) {
    Optional<Calibration> calibration;
    try {
      calibration = source.calibrationBytes().map(Calibration::read);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(source.name() + ".calibration.json: " + e.getMessage(), e);
    }
    // A calibration is only valid for the model it was made on: a retrained model next to the
    // old calibration would otherwise run with a threshold from another model, silently.
    Optional<String> problem = calibration.map(c -> mismatch(c, source.sha256()));
    if (problem.isPresent() && purpose != Purpose.CALIBRATE) {
      if (config.string(CaeConfig.MODEL_CALIBRATION_MISMATCH).equals("fail")) {
        throw new ModelLoadException(source.name() + ": " + problem.get() + "; recalibrate it (calibrate --model)"
            + " or set " + CaeConfig.MODEL_CALIBRATION_MISMATCH + "=warn to serve it uncalibrated");
      }
      LOG.warn("CALIBRATION MISMATCH: {}: {}; serving it UNCALIBRATED ({}=warn){}", source.name(), problem.get(),
          CaeConfig.MODEL_CALIBRATION_MISMATCH, config.optionalNumber(CaeConfig.MODEL_THRESHOLD) == null
              ? ": scores only, no image is flagged anomalous" : " with model.threshold");
      calibration = Optional.empty();
    }
    if (purpose == Purpose.CALIBRATE) {
      problem = Optional.empty();
    }
    String methodWord = config.string(CaeConfig.SCORING_METHOD);
    ScoringMethod methodOverride = methodWord.isEmpty() ? null : ScoringMethod.of(methodWord);
    Double thresholdOverride = config.optionalNumber(CaeConfig.MODEL_THRESHOLD);
    ScoringSettings settings;
    boolean otherMethod = methodOverride != null && calibration.isPresent()
        && methodOverride != calibration.get().scoringMethod() && thresholdOverride == null;
    if (purpose == Purpose.CALIBRATE || (purpose == Purpose.EVALUATE && otherMethod)) {
      settings = ScoringSettings.uncalibrated(methodOverride != null ? methodOverride
              : calibration.map(Calibration::scoringMethod).orElse(purpose == Purpose.CALIBRATE
                  ? ScoringMethod.CALIBRATE_DEFAULT : ScoringMethod.SMOOTH_MAX),
          calibration.map(Calibration::smoothingSigma).orElse(ScoringSettings.DEFAULT_SIGMA),
          calibration.map(Calibration::mapSigmaOrDefault).orElse(ScoringSettings.DEFAULT_MAP_SIGMA));
    } else if (calibration.isPresent()) {
      try {
        settings = ScoringSettings.from(calibration.get(), thresholdOverride, methodOverride);
      } catch (IllegalArgumentException e) {
        throw new io.caestream.config.ConfigException(CaeConfig.SCORING_METHOD, e.getMessage());
      }
    } else if (thresholdOverride != null) {
      ScoringMethod m = methodOverride != null ? methodOverride : ScoringMethod.SMOOTH_MAX;
      // Without calibration, regions use the image threshold for pixels too (smooth-max compares like with like).
      settings = new ScoringSettings(m, ScoringSettings.DEFAULT_SIGMA, ScoringSettings.DEFAULT_MAP_SIGMA,
          thresholdOverride, thresholdOverride);
    } else if (problem.isPresent()) {
      settings = ScoringSettings.uncalibrated(methodOverride != null ? methodOverride : ScoringMethod.SMOOTH_MAX,
          ScoringSettings.DEFAULT_SIGMA, ScoringSettings.DEFAULT_MAP_SIGMA);
    } else {
      throw new ModelLoadException(source.name() + " has no calibration ("
          + source.name() + ".calibration.json): run `calibrate` or set model.threshold");
    }
    CaeModel model = CaeModel.load(source, modelOptions(config));
    try {
      DynamicBatcher batcher = new DynamicBatcher(model, config.integer(CaeConfig.MODEL_BATCH_MAX),
          config.integer(CaeConfig.MODEL_BATCH_DELAY_MS), listener);
      try {
        ImageLimits limits = new ImageLimits(config.integer(CaeConfig.IMAGE_MAX_BYTES),
            config.longValue(CaeConfig.IMAGE_MAX_PIXELS), fitOf(config, model));
        ImageScorer scorer = new ImageScorer(new ImageDecoder(model.inputSpec(), limits), batcher,
            settings, new ImageScorer.Framing(config.integer(CaeConfig.IMAGE_TILE_OVERLAP), roiOf(config)));
        return new ScoringEngine(name != null ? name : model.metadata().name(), source, model, batcher, scorer,
            calibration, problem,
            thresholdOverride != null ? CaeConfig.MODEL_THRESHOLD : calibration.isPresent() ? "calibration" : "none");
      } catch (RuntimeException e) {
        batcher.close();
        throw e;
      }
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Why the calibration is not the model's own: it names another model hash or none at all
   * (files from before hashes were written). Null when it belongs to the model.
   */
  static String mismatch(Calibration c, String modelSha256) {
    if (c.modelSha256() == null || c.modelSha256().isBlank()) {
      return "its calibration records no model hash (modelSha256), so it may be another model's";
    }
    if (!c.modelSha256().equalsIgnoreCase(modelSha256)) {
      return "its calibration was made for model " + prefix(c.modelSha256()) + ", this model is "
          + prefix(modelSha256);
    }
    return null;
  }

  private static String prefix(String sha) {
    return sha.substring(0, Math.min(12, sha.length()));
  }

  /** {@code image.fit} if set, else the model's {@code cae.image.fit}, else resize. */
  static io.caestream.image.ImageFit fitOf(CaeConfig config, CaeModel model) {
    String word = config.string(CaeConfig.IMAGE_FIT);
    if (word.isEmpty()) {
      String meta = model.metadata().properties().get(FIT_METADATA);
      if (meta == null) {
        return io.caestream.image.ImageFit.RESIZE;
      }
      try {
        return io.caestream.image.ImageFit.of(meta);
      } catch (IllegalArgumentException e) {
        throw new ModelLoadException(model.metadata().name() + ": metadata " + FIT_METADATA + ": "
            + e.getMessage(), e);
      }
    }
    return io.caestream.image.ImageFit.of(word);
  }

  /** The model metadata key that sets the default {@code image.fit}. */
  public static final String FIT_METADATA = "cae.image.fit";

  private static RoiMask roiOf(CaeConfig config) {
    String path = config.string(CaeConfig.IMAGE_ROI_MASK);
    if (path.isEmpty()) {
      return null;
    }
    try {
      return RoiMask.read(java.nio.file.Files.readAllBytes(Path.of(path)));
    } catch (java.io.IOException | io.caestream.image.ImageRejectedException | IllegalArgumentException e) {
      throw new io.caestream.config.ConfigException(CaeConfig.IMAGE_ROI_MASK,
          "cannot use " + path + " as a mask: " + e.getMessage());
    }
  }

  public static ModelOptions modelOptions(CaeConfig c) {
    return new ModelOptions(ExecutionProvider.of(c.string(CaeConfig.MODEL_PROVIDER)),
        c.bool(CaeConfig.MODEL_PROVIDER_FALLBACK), c.integer(CaeConfig.MODEL_INTRA_OP_THREADS),
        c.integer(CaeConfig.MODEL_CUDA_DEVICE), c.longValue(CaeConfig.MODEL_CUDA_MEMORY_LIMIT),
        c.string(CaeConfig.MODEL_CUDA_ARENA_STRATEGY), c.string(CaeConfig.MODEL_CUDA_CONV_SEARCH),
        c.bool(CaeConfig.MODEL_TENSORRT_FP16), c.string(CaeConfig.MODEL_TENSORRT_CACHE_DIR));
  }

  /**
   * What is served: the model's hash prefix and, when a calibration is used, its file's hash
   * prefix ({@code ae0edb5c58b4.3f2a91c0}). A recalibration alone is a new version too.
   */
  public String version() {
    String m = model.metadata().version();
    return calibration.isEmpty() ? m
        : m + "." + source.calibrationBytes().map(b -> io.caestream.model.ModelSource.sha256(b).substring(0, 8)).orElse("");
  }

  /** The model's name: its repository folder's, or for a single model file the one in its metadata. */
  public String name() {
    return name;
  }

  public ImageScorer scorer() {
    return scorer;
  }

  public CaeModel model() {
    return model;
  }

  /** How many session calls may run at once ({@link DynamicBatcher#lanes()}). */
  public int inferenceLanes() {
    return batcher.lanes();
  }

  public ModelSource source() {
    return source;
  }

  public Optional<Calibration> calibration() {
    return calibration;
  }

  /** Where the threshold came from: {@code calibration}, {@code model.threshold} or {@code none}. */
  public String thresholdFrom() {
    return thresholdFrom;
  }

  /**
   * Set when the calibration beside the model was made for another model and
   * {@code model.calibration.mismatch=warn} let it serve uncalibrated: what is wrong, for
   * /health/ready.
   */
  public Optional<String> calibrationProblem() {
    return calibrationProblem;
  }

  /**
   * Runs the model {@code runs} times on a blank input, through its batcher: the first runs of a
   * session are slow (allocation, kernel choice), and a reloaded model should not make live
   * images pay for them.
   */
  public void warmUp(int runs) {
    float[] in = new float[model.inputSpec().size()];
    float[] out = new float[in.length];
    for (int i = 0; i < runs; i++) {
      batcher.reconstruct(in, out);
    }
  }

  @Override
  public void close() {
    batcher.close();
    model.close();
  }
}
