package io.caestream.config;

import static io.caestream.config.ConfigKey.Type.BOOLEAN;
import static io.caestream.config.ConfigKey.Type.DOUBLE;
import static io.caestream.config.ConfigKey.Type.INT;
import static io.caestream.config.ConfigKey.Type.LONG;
import static io.caestream.config.ConfigKey.Type.OPTIONAL_DOUBLE;
import static io.caestream.config.ConfigKey.Type.PATH;
import static io.caestream.config.ConfigKey.Type.STRING;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one table of cae-stream settings and a validated set of values for them.
 *
 * <p>Values come from a properties file, then environment overrides: key {@code a.b.c} is set by
 * {@code CAE_A_B_C}. Keys starting with {@code kafka.} pass through, prefix stripped, to Kafka
 * Streams. Any other key that is not in the table is an error, as is an invalid value: start-up
 * stops with one line naming the key. Secret values (passwords, JAAS, keys) are masked wherever
 * the config is shown.
 */
public final class CaeConfig {
  public static final String KAFKA_PREFIX = "kafka.";
  public static final String ENV_PREFIX = "CAE_";

  public static final String INPUT_TOPIC = "input.topic";
  public static final String SCORES_TOPIC = "scores.topic";
  public static final String ANOMALIES_TOPIC = "anomalies.topic";
  public static final String DLQ_TOPIC = "dlq.topic";
  public static final String MAPS_TOPIC = "maps.topic";
  public static final String SHADOW_TOPIC = "shadow.topic";
  public static final String APPLICATION_ID = "application.id";
  public static final String TOPICS_CREATE = "topics.create";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION = "topics.replication.factor";
  public static final String MODEL_PATH = "model.path";
  public static final String MODEL_REPOSITORY = "model.repository";
  public static final String MODEL_ROUTES = "model.routes";
  public static final String MODEL_REPOSITORY_POLL_MS = "model.repository.poll.ms";
  public static final String MODEL_THRESHOLD = "model.threshold";
  public static final String MODEL_CALIBRATION_MISMATCH = "model.calibration.mismatch";
  public static final String MODEL_PROVIDER = "model.provider";
  public static final String MODEL_PROVIDER_FALLBACK = "model.provider.fallback";
  public static final String MODEL_BATCH_MAX = "model.batch.max";
  public static final String MODEL_BATCH_DELAY_MS = "model.batch.delay.ms";
  public static final String STREAM_BUFFER_MAX = "stream.buffer.max";
  public static final String STREAM_BUFFER_WAIT_MS = "stream.buffer.wait.ms";
  public static final String STREAM_BUFFER_MAX_BYTES = "stream.buffer.max.bytes";
  public static final String MODEL_INTRA_OP_THREADS = "model.intra.op.threads";
  public static final String MODEL_CUDA_DEVICE = "model.cuda.device";
  public static final String MODEL_CUDA_MEMORY_LIMIT = "model.cuda.memory.limit.bytes";
  public static final String MODEL_CUDA_ARENA_STRATEGY = "model.cuda.arena.extend.strategy";
  public static final String MODEL_CUDA_CONV_SEARCH = "model.cuda.cudnn.conv.algo.search";
  public static final String MODEL_TENSORRT_FP16 = "model.tensorrt.fp16";
  public static final String MODEL_TENSORRT_CACHE_DIR = "model.tensorrt.engine.cache.dir";
  public static final String IMAGE_MAX_BYTES = "image.max.bytes";
  public static final String IMAGE_MAX_PIXELS = "image.max.pixels";
  public static final String IMAGE_FIT = "image.fit";
  public static final String IMAGE_TILE_OVERLAP = "image.tile.overlap";
  public static final String IMAGE_ROI_MASK = "image.roi.mask";
  /** Replaced by {@link #IMAGE_FIT}; named in the error so an old config says what to change. */
  static final String REPLACED_IMAGE_RESIZE = "image.resize";
  public static final String SCORING_METHOD = "scoring.method";
  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_VIEWER_ENABLED = "http.viewer.enabled";
  public static final String HTTP_ADMIN_ENABLED = "http.admin.enabled";
  public static final String HTTP_AUTH_USER = "http.auth.user";
  public static final String HTTP_AUTH_PASSWORD = "http.auth.password";
  public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
  public static final String HEALTH_STALL_MS = "health.stall.timeout.ms";
  public static final String LOG_FORMAT = "log.format";

  /**
   * Keys whose values are never shown. Covers every Kafka client setting of type PASSWORD (JAAS,
   * SSL passwords, keys and certificates, OAuth secrets; a test checks this against Kafka's own
   * definitions) and the usual names elsewhere (user.info of basic auth, tokens, credentials).
   */
  private static final Pattern SECRET = Pattern.compile(
      "(?i).*(password|passwd|passphrase|secret|jaas|token|credential|\\.key$|private|certificate|user\\.info).*");

  /** Every setting, in the order {@code --help-config} shows them. */
  public static final List<ConfigKey> KEYS = List.of(
      key(INPUT_TOPIC, STRING, "images", Validators.nonEmpty(), "Topic of encoded images (key = source id)."),
      key(SCORES_TOPIC, STRING, "image-scores", Validators.nonEmpty(), "Topic receiving a score event for every image."),
      key(ANOMALIES_TOPIC, STRING, "anomalies", Validators.nonEmpty(), "Topic receiving the score events of anomalous images."),
      key(DLQ_TOPIC, STRING, "images-dlq", Validators.nonEmpty(), "Dead-letter topic: original key and bytes plus cae.error.* headers."),
      key(MAPS_TOPIC, STRING, "", ConfigKey.Validator.ANY, "Topic receiving the heatmap of each anomalous image (grey PNG, 128 = pixel threshold, at most 256 px a side; key and image-id header as for its event); empty = off."),
      key(SHADOW_TOPIC, STRING, "image-scores-shadow", Validators.nonEmpty(), "Topic receiving the score events of shadow models (NAME/shadow.onnx in model.repository); they never reach the anomalies topic. Used, checked and created only with model.repository."),
      key(APPLICATION_ID, STRING, "cae-stream", Validators.nonEmpty(), "Kafka Streams application.id (consumer group and transactional id prefix)."),
      key(TOPICS_CREATE, BOOLEAN, "false", ConfigKey.Validator.ANY, "Create missing topics at start-up instead of failing."),
      key(TOPICS_PARTITIONS, INT, "4", Validators.atLeast(1), "Partitions of topics created by topics.create."),
      key(TOPICS_REPLICATION, INT, "1", Validators.between(1, 32767), "Replication factor of topics created by topics.create."),
      key(MODEL_PATH, PATH, "", Validators.readableFileOrEmpty(), "ONNX model file; empty = the bundled synthetic-surface model. Its <model>.calibration.json is read from beside it."),
      key(MODEL_REPOSITORY, PATH, "", Validators.directoryOrEmpty(), "Folder of models, one subfolder each: NAME/model.onnx, NAME/model.calibration.json, optional NAME/model.properties (model.threshold, scoring.method, image.fit, image.tile.overlap, image.roi.mask for this model; a mask path is relative to the folder). Empty = model.path as the only model. Folders starting with '.' are skipped (a mounted ConfigMap's ..data)."),
      key(MODEL_ROUTES, STRING, "", ConfigKey.Validator.ANY, "Which model scores which source (record key): ordered rules GLOB=MODEL[;threshold=X][;sensitivity=F], comma-separated, first match wins; * matches within a path segment, ** across segments, ? one character. threshold replaces the model's threshold for those sources, sensitivity divides it (2 = flags at half the score). A source no rule matches is dead-lettered as no-model. Empty = every source to the only model."),
      key(MODEL_REPOSITORY_POLL_MS, LONG, "5000", Validators.between(0, 3_600_000), "How often model.repository is checked for new, changed and removed models (their files' hashes are compared, so symlink swaps on a mounted ConfigMap or PVC count, which file-change events miss); 0 = only on POST /admin/reload."),
      key(MODEL_THRESHOLD, OPTIONAL_DOUBLE, "", Validators.positive(), "Anomaly score threshold; empty = the model's calibration."),
      key(MODEL_CALIBRATION_MISMATCH, STRING, "fail", Validators.oneOf("fail", "warn"), "When a calibration's modelSha256 is not the model's own hash (a retrained model beside an old calibration): fail = refuse to serve that model; warn = serve it uncalibrated (scores only, no anomalies unless model.threshold is set), log a warning and say so on /health/ready."),
      key(MODEL_PROVIDER, STRING, "cpu", Validators.oneOf("cpu", "cuda", "tensorrt"), "ONNX Runtime execution provider."),
      key(MODEL_PROVIDER_FALLBACK, BOOLEAN, "true", ConfigKey.Validator.ANY, "When the GPU provider cannot load: log once and run on CPU (shown in cae_model_info). false = fail start-up."),
      key(MODEL_BATCH_MAX, INT, "8", Validators.between(1, 4096), "Largest inference batch formed across stream threads."),
      key(MODEL_BATCH_DELAY_MS, INT, "0", Validators.between(0, 10_000), "How long the first image of a batch waits for more (0 = run when the previous batch is done)."),
      key(MODEL_INTRA_OP_THREADS, INT, "0", Validators.between(0, 1024), "ONNX Runtime intra-op threads per session call; 0 = half the cores. On CPU, cores / this many calls run at once (inline on stream threads or as a batch)."),
      key(MODEL_CUDA_DEVICE, INT, "0", Validators.atLeast(0), "CUDA device id."),
      key(MODEL_CUDA_MEMORY_LIMIT, LONG, "0", Validators.atLeast(0), "CUDA arena memory limit in bytes; 0 = no limit."),
      key(MODEL_CUDA_ARENA_STRATEGY, STRING, "kSameAsRequested", Validators.oneOf("ksameasrequested", "knextpoweroftwo"), "CUDA arena extend strategy."),
      key(MODEL_CUDA_CONV_SEARCH, STRING, "HEURISTIC", Validators.oneOf("exhaustive", "heuristic", "default"), "cuDNN convolution algorithm search."),
      key(MODEL_TENSORRT_FP16, BOOLEAN, "false", ConfigKey.Validator.ANY, "TensorRT: allow fp16 kernels."),
      key(MODEL_TENSORRT_CACHE_DIR, STRING, "", ConfigKey.Validator.ANY, "TensorRT engine cache folder; empty = no cache."),
      key(STREAM_BUFFER_MAX, INT, "32", Validators.between(1, 1024), "Images each stream task holds in a changelogged state store and then hands to a scoring pool of one thread per core as one batch, so one stream thread keeps every core busy; exactly-once holds because the buffer commits with the offsets. 1 = score each image as it arrives."),
      key(STREAM_BUFFER_WAIT_MS, INT, "1", Validators.between(0, 10_000), "How long the oldest buffered image waits for the buffer to fill before what is there is scored: the latency a low input rate pays for the buffer."),
      key(STREAM_BUFFER_MAX_BYTES, INT, "8388608", Validators.atLeast(1), "Encoded bytes each stream task buffers before it scores what it holds, whatever stream.buffer.max says: large frames are batched by size, not count (the buffer and Kafka Streams' store cache hold the bytes)."),
      key(IMAGE_MAX_BYTES, INT, "16777216", Validators.between(1, Integer.MAX_VALUE - 8), "Largest encoded image accepted, checked before decoding."),
      key(IMAGE_MAX_PIXELS, LONG, "16777216", Validators.between(1, (Integer.MAX_VALUE - 8) / 3), "Largest width x height accepted, read from the header before any pixel is allocated."),
      key(IMAGE_FIT, STRING, "", Validators.oneOf("", "resize", "tile", "reject"), "Images whose size differs from the model input: resize (antialiased, exactly as training resizes), tile (the model input is a tile; frames of any size are cut into overlapping tiles and their error maps stitched) or reject (dead letter bad-dimensions); empty = the model's metadata (cae.image.fit), else resize."),
      key(IMAGE_TILE_OVERLAP, INT, "-1", Validators.between(-1, 4096), "Overlap of neighbouring tiles in pixels with image.fit=tile; -1 = a quarter of the tile side."),
      key(IMAGE_ROI_MASK, PATH, "", Validators.readableFileOrEmpty(), "Region of interest: a grey PNG, white = inspected, at the frame's or the model's size (others are scaled); pixels outside never count toward the score or the regions. Empty = every pixel."),
      key(SCORING_METHOD, STRING, "", Validators.oneOf("", "mse", "smooth-max", "ssim", "line", "contrast", "line+contrast"), "Image score: mse (mean of the squared-error map), smooth-max (max of the Gaussian-smoothed squared-error map), ssim (max of the smoothed 1 - SSIM map), line (max of the smoothed oriented line energy of the residual), contrast (max of the smoothed local contrast mismatch, for stochastic surfaces) or line+contrast (line and contrast, each normalised per pixel, added); empty = the calibration's."),
      key(HTTP_PORT, INT, "9400", Validators.between(0, 65535), "HTTP port for /metrics, /health/* and the viewer; 0 = any free port."),
      key(HTTP_HOST, STRING, "0.0.0.0", Validators.nonEmpty(), "HTTP bind address."),
      key(HTTP_VIEWER_ENABLED, BOOLEAN, "false", ConfigKey.Validator.ANY, "Serve the live anomaly viewer (/ and /api/anomalies: recent camera images) on http.port; demo turns it on."),
      key(HTTP_ADMIN_ENABLED, BOOLEAN, "false", ConfigKey.Validator.ANY, "Serve POST /admin/reload on http.port (reloads model.repository now and answers what changed), behind http.auth.* when set; off = 404."),
      key(HTTP_AUTH_USER, STRING, "", Validators.basicAuthUser(), "Basic-auth user for the viewer and admin paths; empty = no auth. /metrics and /health/* stay open."),
      key(HTTP_AUTH_PASSWORD, STRING, "", ConfigKey.Validator.ANY, "Basic-auth password (set with http.auth.user; best from env CAE_HTTP_AUTH_PASSWORD)."),
      key(SHUTDOWN_TIMEOUT_MS, LONG, "30000", Validators.between(100, 3_600_000), "How long a clean shutdown may take before the process exits anyway."),
      key(HEALTH_STALL_MS, LONG, "60000", Validators.between(1000, 3_600_000), "/health/ready says not ready when records wait (lag) and no stream thread has committed for this long, or a stream thread failed and none has committed since."),
      key(LOG_FORMAT, STRING, "text", Validators.oneOf("text", "json"), "Log lines on stderr: text, or json (one object a line: time, level, logger, thread, message, exception)."));

  private static final Map<String, ConfigKey> BY_NAME;

  static {
    Map<String, ConfigKey> m = new LinkedHashMap<>();
    KEYS.forEach(k -> m.put(k.name(), k));
    BY_NAME = Collections.unmodifiableMap(m);
  }

  private final Map<String, Object> values;
  private final Map<String, String> kafka;

  private CaeConfig(Map<String, Object> values, Map<String, String> kafka) {
    this.values = values;
    this.kafka = kafka;
  }

  private static ConfigKey key(String name, ConfigKey.Type type, String def,
      ConfigKey.Validator validator, String doc) {
    return new ConfigKey(name, type, def, validator, doc, SECRET.matcher(name).matches());
  }

  /** Defaults only (what the offline commands and tests start from). */
  public static CaeConfig defaults() {
    return of(Map.of());
  }

  /** Validates raw string values (already merged from file and environment). */
  public static CaeConfig of(Map<String, String> raw) {
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> kafka = new TreeMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String k = e.getKey().trim();
      if (k.startsWith(KAFKA_PREFIX)) {
        if (k.length() == KAFKA_PREFIX.length()) {
          throw new ConfigException(k, "a kafka.* key needs a Kafka setting name after the prefix");
        }
        kafka.put(k.substring(KAFKA_PREFIX.length()), e.getValue());
      } else if (k.equals(REPLACED_IMAGE_RESIZE)) {
        throw new ConfigException(k, "was replaced by image.fit (resize, tile or reject)");
      } else if (!BY_NAME.containsKey(k)) {
        throw new ConfigException(k, "unknown key (see --help-config for the list)");
      }
    }
    for (ConfigKey key : KEYS) {
      String rawValue = raw.getOrDefault(key.name(), key.defaultValue());
      values.put(key.name(), key.parse(rawValue == null ? "" : rawValue));
    }
    requireTogether(values, HTTP_AUTH_USER, HTTP_AUTH_PASSWORD);
    return new CaeConfig(values, kafka);
  }

  /** Two keys that mean nothing alone: both set or both empty; the error names the empty one. */
  private static void requireTogether(Map<String, Object> values, String a, String b) {
    boolean hasA = !String.valueOf(values.get(a)).isEmpty();
    boolean hasB = !String.valueOf(values.get(b)).isEmpty();
    if (hasA != hasB) {
      throw new ConfigException(hasA ? b : a, "must be set together with " + (hasA ? a : b));
    }
  }

  /** Reads a properties file (may be null) and applies {@code CAE_*} environment overrides. */
  public static CaeConfig load(Path file, Map<String, String> env) {
    Map<String, String> raw = new LinkedHashMap<>();
    if (file != null) {
      if (!Files.isReadable(file)) {
        throw new ConfigException("--config", "cannot read " + file);
      }
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException("--config", "cannot parse " + file + ": " + e.getMessage());
      }
      p.stringPropertyNames().forEach(k -> raw.put(k, p.getProperty(k)));
    }
    raw.putAll(fromEnvironment(env));
    return of(raw);
  }

  /**
   * {@code CAE_A_B_C=v} becomes {@code a.b.c=v}, for declared keys and {@code kafka.*} only. Other
   * {@code CAE_*} names are not ours: Kubernetes injects {@code CAE_STREAM_SERVICE_HOST} and
   * friends for a Service called cae-stream, so they are skipped rather than refused (a typo in a
   * properties file is still an error).
   */
  public static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX)) {
        String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        if (BY_NAME.containsKey(key) || key.startsWith(KAFKA_PREFIX)) {
          out.put(key, value);
        }
      }
    });
    return out;
  }

  /** A copy with some keys changed (validated again). */
  public CaeConfig with(Map<String, String> overrides) {
    Map<String, String> raw = asStrings();
    raw.putAll(overrides);
    return of(raw);
  }

  /** Every value as the text that would set it, secrets included (never log this; see describe()). */
  public Map<String, String> asStrings() {
    Map<String, String> raw = new LinkedHashMap<>();
    values.forEach((k, v) -> raw.put(k, v == null ? "" : String.valueOf(v)));
    kafka.forEach((k, v) -> raw.put(KAFKA_PREFIX + k, v));
    return raw;
  }

  public String string(String key) {
    return (String) require(key);
  }

  public int integer(String key) {
    return (Integer) require(key);
  }

  public long longValue(String key) {
    return (Long) require(key);
  }

  public double number(String key) {
    return ((Number) require(key)).doubleValue();
  }

  public boolean bool(String key) {
    return (Boolean) require(key);
  }

  /** An optional number (null when unset). */
  public Double optionalNumber(String key) {
    if (!BY_NAME.containsKey(key)) {
      throw new IllegalArgumentException("undeclared key " + key);
    }
    return (Double) values.get(key);
  }

  private Object require(String key) {
    if (!BY_NAME.containsKey(key)) {
      throw new IllegalArgumentException("undeclared key " + key);
    }
    return values.get(key);
  }

  /** The {@code kafka.*} settings with the prefix stripped. */
  public Map<String, String> kafka() {
    return Collections.unmodifiableMap(kafka);
  }

  /** True for keys whose values must never be printed or logged. */
  public static boolean isSecret(String key) {
    return SECRET.matcher(key).matches();
  }

  /** Every value as text with secrets masked: for start-up logs and diagnostics. */
  public Map<String, String> describe() {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, isSecret(k) ? "******" : v == null ? "" : String.valueOf(v)));
    kafka.forEach((k, v) -> out.put(KAFKA_PREFIX + k, isSecret(k) ? "******" : v));
    return out;
  }

  /** The text printed by {@code --help-config}. */
  public static String help() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-34s %-9s %-18s %s%n", "KEY", "TYPE", "DEFAULT", "DESCRIPTION"));
    for (ConfigKey k : KEYS) {
      String def = k.secret() ? "******" : k.defaultValue().isEmpty() ? "(none)" : k.defaultValue();
      String allowed = k.validator().describe();
      sb.append(String.format("%-34s %-9s %-18s %s%s%n", k.name(), k.type().name().toLowerCase(Locale.ROOT)
          .replace("optional_", ""), def, k.doc(), allowed.isEmpty() ? "" : " Allowed: " + allowed + "."));
    }
    sb.append(String.format("%-34s %-9s %-18s %s%n", "kafka.*", "string", "",
        "Passed to Kafka Streams with the prefix stripped (kafka.bootstrap.servers, "
            + "kafka.security.protocol, kafka.sasl.jaas.config, kafka.num.stream.threads, ...)."));
    sb.append(String.format("%nEvery key may also be set by environment: a.b.c <- CAE_A_B_C.%n"));
    return sb.toString();
  }
}
