package io.caestream.scoring;

import io.caestream.image.Frame;
import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageFit;
import io.caestream.image.ImageHeader;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import io.caestream.image.TileGrid;
import io.caestream.model.DynamicBatcher;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one path from image bytes to a score, used by every command and by the stream: decode,
 * fit to the model ({@code image.fit}: resize the image, or cut the frame into overlapping tiles
 * that run as batches), reconstruct, the method's per-pixel error planes, per-pixel
 * normalization against normal images, stitching of tile maps into one frame map, region of
 * interest, smoothing, image score, verdict and regions.
 *
 * <p>Tiles are blended where they overlap: each tile's weight ramps from its edge to its inside
 * over the overlap, so a seam gets the average of its neighbours rather than the worse one, and
 * a frame edge (covered by one tile) keeps that tile's value. Thread-safe; each thread keeps its
 * own scratch, so the steady state allocates only the result.
 */
public final class ImageScorer {
  /** Regions reported per image, worst first. */
  public static final int MAX_REGIONS = 5;

  private final ImageDecoder decoder;
  private final DynamicBatcher batcher;
  private final ScoringSettings settings;
  private final Framing framing;
  private final GaussianSmoother scoreSmoother;
  private final GaussianSmoother mapSmoother;
  private final float[] tileWeight;
  private final int overlapX;
  private final int overlapY;
  private final ThreadLocal<Scratch> scratch;

  /**
   * How frames meet the model beyond {@code image.fit}: the tile overlap in pixels (negative =
   * a quarter of the tile side) and the region of interest (null = every pixel counts).
   */
  public record Framing(int tileOverlap, RoiMask roi) {
    public static final Framing DEFAULT = new Framing(-1, null);
  }

  private static final class Scratch {
    final float[] input;
    final float[] recon;
    /** The method's raw error planes for one model input (planes x pixels). */
    final float[] error;
    /** One model input's error after normalization and adding the planes (pixels). */
    final float[] tileMap;
    /** Where a method's second and later planes are computed before they join {@code error}. */
    final float[] extraPlane;
    final StructuralError structural;
    final LineError line;
    final LocalContrast contrast;
    final Frame frame = new Frame();
    float[][] tileIn = new float[0][];
    float[][] tileOut = new float[0][];
    float[] map = new float[0];
    float[] weights = new float[0];
    float[] tmp = new float[0];
    float[] smooth = new float[0];
    float[] anomaly = new float[0];
    int[] stack = new int[0];
    boolean[] seen = new boolean[0];

    Scratch(InputSpec spec, int planes) {
      input = new float[spec.size()];
      recon = new float[spec.size()];
      error = new float[planes * spec.pixels()];
      tileMap = new float[spec.pixels()];
      extraPlane = new float[spec.pixels()];
      structural = new StructuralError(spec.width(), spec.height());
      line = new LineError(spec.width(), spec.height());
      contrast = new LocalContrast(spec.width(), spec.height());
    }

    void mapSize(int n) {
      if (map.length < n) {
        map = new float[n];
        weights = new float[n];
        tmp = new float[n];
        smooth = new float[n];
        anomaly = new float[n];
        stack = new int[n];
        seen = new boolean[n];
      }
    }

    void tiles(int n, int size) {
      if (tileIn.length < n) {
        tileIn = new float[n][size];
        tileOut = new float[n][size];
      }
    }

    /** Lets go of frame-sized buffers after a large frame. */
    void trim() {
      frame.trim();
      if (map.length > Frame.RETAIN_FLOATS) {
        map = weights = tmp = smooth = anomaly = new float[0];
        stack = new int[0];
        seen = new boolean[0];
      }
    }
  }

  public ImageScorer(ImageDecoder decoder, DynamicBatcher batcher, ScoringSettings settings) {
    this(decoder, batcher, settings, Framing.DEFAULT);
  }

  public ImageScorer(ImageDecoder decoder, DynamicBatcher batcher, ScoringSettings settings,
      Framing framing) {
    InputSpec spec = decoder.spec();
    if (!spec.equals(batcher.inputSpec())) {
      throw new IllegalArgumentException("decoder and model disagree on the input shape");
    }
    PixelNormalization n = settings.normalization();
    if (n != null && (n.width() != spec.width() || n.height() != spec.height())) {
      throw new IllegalArgumentException("the calibration's per-pixel normalization is " + n.width()
          + "x" + n.height() + ", the model takes " + spec.width() + "x" + spec.height());
    }
    int planes = settings.method().planes().size();
    if (n == null && planes > 1 && settings.calibrated()) {
      throw new IllegalArgumentException("scoring method " + settings.method().word() + " adds per-pixel z-scores: "
          + "it needs a calibration with per-pixel normalization, not a bare threshold");
    }
    if (n != null && n.planes() != planes) {
      throw new IllegalArgumentException("the calibration's per-pixel normalization has " + n.planes()
          + " error plane(s), scoring method " + settings.method().word() + " makes " + planes);
    }
    this.decoder = decoder;
    this.batcher = batcher;
    this.settings = settings;
    this.framing = framing;
    this.scoreSmoother = new GaussianSmoother(settings.smoothingSigma());
    this.mapSmoother = new GaussianSmoother(settings.mapSigma());
    this.overlapX = overlap(framing.tileOverlap(), spec.width());
    this.overlapY = overlap(framing.tileOverlap(), spec.height());
    this.tileWeight = rampWeights(spec.width(), spec.height(), overlapX, overlapY);
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(spec, planes));
  }

  /** How many tiles a frame of this size is scored as (1 unless {@code image.fit=tile}). */
  public int tilesPerFrame(int frameWidth, int frameHeight) {
    InputSpec spec = decoder.spec();
    if (fit() != ImageFit.TILE) {
      return 1;
    }
    return TileGrid.starts(frameWidth, spec.width(), overlapX).length
        * TileGrid.starts(frameHeight, spec.height(), overlapY).length;
  }

  /** The overlap actually used along a side: the configured one, at most side - 1. */
  static int overlap(int configured, int side) {
    int o = configured < 0 ? side / 4 : configured;
    return Math.max(0, Math.min(side - 1, o));
  }

  /** Per-pixel blending weights of a tile: 1 inside, ramping down over the overlap at its edges. */
  static float[] rampWeights(int w, int h, int ox, int oy) {
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      float wy = ramp(y, h, oy);
      for (int x = 0; x < w; x++) {
        out[y * w + x] = wy * ramp(x, w, ox);
      }
    }
    return out;
  }

  private static float ramp(int i, int side, int overlap) {
    float r = overlap + 1f;
    return Math.min(1f, Math.min((i + 1) / r, (side - i) / r));
  }

  public ScoringSettings settings() {
    return settings;
  }

  public InputSpec inputSpec() {
    return decoder.spec();
  }

  public ImageFit fit() {
    return decoder.limits().fit();
  }

  public Framing framing() {
    return framing;
  }

  /** A scorer on the same decoder and model with other settings (calibration's second pass). */
  public ImageScorer withSettings(ScoringSettings other) {
    return new ImageScorer(decoder, batcher, other, framing);
  }

  /**
   * The raw per-pixel error maps of the settings' method, before normalization and smoothing, one
   * per model input ({@code planes x height*width} floats, valid only during the call): one for a
   * resized image, one per tile of a tiled frame. Per-pixel normalization is estimated from these.
   */
  public void rawErrorMaps(byte[] bytes, Consumer<float[]> each) throws ImageRejectedException {
    Scratch s = scratch.get();
    try {
      if (fit() == ImageFit.TILE) {
        ImageHeader h = decoder.decodeFrame(bytes, s.frame);
        forEachTile(s, h.width(), h.height(), (x0, y0, error) -> each.accept(error), false);
      } else {
        decoder.decode(bytes, s.input);
        batcher.reconstruct(s.input, s.recon);
        errorMap(s, s.input, s.recon, s.error);
        each.accept(s.error);
      }
    } finally {
      s.trim();
    }
  }

  public ScoreResult score(byte[] bytes) throws ImageRejectedException {
    return score(bytes, false);
  }

  /**
   * Scores one image; with {@code keepMap} the result carries a copy of its anomaly map (the
   * error map smoothed with {@code mapSigma}), for calibration, evaluation and heatmaps.
   *
   * @throws ImageRejectedException for a bad image (dead-lettered by the stream)
   * @throws io.caestream.model.ModelFailureException when the model fails (not the image's fault)
   */
  public ScoreResult score(byte[] bytes, boolean keepMap) throws ImageRejectedException {
    return score(bytes, keepMap ? KeepMap.ALWAYS : KeepMap.NEVER);
  }

  /** Which results carry their anomaly map. */
  public enum KeepMap {
    NEVER,
    /** Anomalous images only: for heatmaps, which only they get. */
    ANOMALOUS,
    ALWAYS
  }

  public ScoreResult score(byte[] bytes, KeepMap keep) throws ImageRejectedException {
    Scratch s = scratch.get();
    try {
      return scoreWith(s, bytes, keep);
    } finally {
      s.trim();
    }
  }

  private ScoreResult scoreWith(Scratch s, byte[] bytes, KeepMap keep) throws ImageRejectedException {
    InputSpec spec = decoder.spec();
    ImageHeader header;
    int mw;
    int mh;
    if (fit() == ImageFit.TILE) {
      header = decoder.decodeFrame(bytes, s.frame);
      mw = header.width();
      mh = header.height();
      stitch(s, mw, mh);
    } else {
      header = decoder.decode(bytes, s.input);
      mw = spec.width();
      mh = spec.height();
      s.mapSize(spec.pixels());
      batcher.reconstruct(s.input, s.recon);
      errorMap(s, s.input, s.recon, s.error);
      collapse(s.error, s.map);
    }
    int n = mw * mh;
    boolean[] roi = framing.roi() == null ? null : framing.roi().at(mw, mh);
    if (roi != null) {
      for (int i = 0; i < n; i++) {
        if (!roi[i]) {
          s.map[i] = 0; // no error outside: nothing leaks in through the smoothing
        }
      }
    }
    double score;
    if (settings.method().peak()) {
      scoreSmoother.smooth(s.map, mw, mh, s.tmp, s.smooth);
      excludeOutside(s.smooth, roi, n);
      score = s.smooth[ErrorMaps.argMax(s.smooth, n)];
    } else {
      score = roi == null ? ErrorMaps.mean(s.map, n) : meanInside(s.map, roi, n);
    }
    boolean calibrated = settings.calibrated();
    boolean anomalous = calibrated && score > settings.threshold();
    boolean keepMap = keep == KeepMap.ALWAYS || (keep == KeepMap.ANOMALOUS && anomalous);
    AnomalyMap kept = null;
    // The wider anomaly map is only needed where it is looked at: regions of anomalous images,
    // and the maps that calibration, evaluation and heatmaps ask for. Normal images skip it.
    if (anomalous || keepMap) {
      mapSmoother.smooth(s.map, mw, mh, s.tmp, s.anomaly);
      if (keepMap) {
        float[] copy = Arrays.copyOf(s.anomaly, n);
        if (roi != null) {
          float floor = minInside(copy, roi, n);
          for (int i = 0; i < n; i++) {
            if (!roi[i]) {
              copy[i] = floor;
            }
          }
        }
        kept = new AnomalyMap(copy, mw, mh);
      }
      excludeOutside(s.anomaly, roi, n);
    }
    if (!calibrated) {
      return new ScoreResult(score, Double.NaN, false, Double.NaN, null, List.of(), header, kept);
    }
    double threshold = settings.threshold();
    List<Region> regions = List.of();
    if (anomalous) {
      regions = RegionFinder.findAll(s.anomaly, mw, mh, (float) settings.pixelThreshold(),
          MAX_REGIONS, s.stack, s.seen).stream()
          .map(r -> r.scaled(mw, mh, header.width(), header.height())).toList();
    }
    // z-scores can be below zero; the normalized score stays in [0, 1).
    double positive = Math.max(0, score);
    return new ScoreResult(score, threshold, anomalous, positive / (positive + threshold),
        regions.isEmpty() ? null : regions.get(0), regions, header, kept);
  }

  /** Called per tile with its origin in the frame and its error map (raw planes, or collapsed). */
  private interface TileSink {
    void accept(int x0, int y0, float[] error);
  }

  /** Reconstructs the frame in {@code s.frame} tile by tile, in batches of up to the batcher's size. */
  private void forEachTile(Scratch s, int fw, int fh, TileSink sink, boolean collapsed) {
    InputSpec spec = decoder.spec();
    int tw = spec.width();
    int th = spec.height();
    int[] xs = TileGrid.starts(fw, tw, overlapX);
    int[] ys = TileGrid.starts(fh, th, overlapY);
    int total = xs.length * ys.length;
    int chunk = Math.min(total, Math.max(16, batcher.maxBatch()));
    s.tiles(chunk, spec.size());
    for (int first = 0; first < total; first += chunk) {
      int k = Math.min(chunk, total - first);
      for (int j = 0; j < k; j++) {
        int t = first + j;
        TileGrid.copy(s.frame.pixels(), fw, fh, spec.channels(), xs[t % xs.length], ys[t / xs.length],
            s.tileIn[j], tw, th);
      }
      batcher.reconstruct(s.tileIn, s.tileOut, k);
      for (int j = 0; j < k; j++) {
        int t = first + j;
        errorMap(s, s.tileIn[j], s.tileOut[j], s.error);
        float[] map = s.error;
        if (collapsed) {
          collapse(s.error, s.tileMap);
          map = s.tileMap;
        }
        sink.accept(xs[t % xs.length], ys[t / xs.length], map);
      }
    }
  }

  /** The frame's error map in {@code s.map}: tile maps blended by their ramp weights. */
  private void stitch(Scratch s, int fw, int fh) {
    int n = fw * fh;
    s.mapSize(n);
    Arrays.fill(s.map, 0, n, 0f);
    Arrays.fill(s.weights, 0, n, 0f);
    int tw = decoder.spec().width();
    int th = decoder.spec().height();
    forEachTile(s, fw, fh, (x0, y0, error) -> {
      int w = Math.min(tw, fw - x0);
      int h = Math.min(th, fh - y0);
      for (int y = 0; y < h; y++) {
        int row = (y0 + y) * fw + x0;
        int t = y * tw;
        for (int x = 0; x < w; x++) {
          float wt = tileWeight[t + x];
          s.map[row + x] += wt * error[t + x];
          s.weights[row + x] += wt;
        }
      }
    }, true);
    for (int i = 0; i < n; i++) {
      s.map[i] /= s.weights[i];
    }
  }

  /** The method's raw error planes, one after the other, into {@code out}. */
  private void errorMap(Scratch s, float[] input, float[] recon, float[] out) {
    InputSpec spec = decoder.spec();
    List<ScoringMethod.ErrorKind> planes = settings.method().planes();
    for (int p = 0; p < planes.size(); p++) {
      float[] plane = p == 0 ? out : s.extraPlane;
      switch (planes.get(p)) {
        case SQUARED -> ErrorMaps.squaredError(input, recon, spec.channels(), spec.pixels(), plane);
        case STRUCTURAL -> s.structural.map(input, recon, spec.channels(), plane);
        case LINE -> s.line.map(input, recon, spec.channels(), plane);
        case CONTRAST -> s.contrast.map(input, recon, spec.channels(), plane);
      }
      if (p > 0) {
        System.arraycopy(plane, 0, out, p * spec.pixels(), spec.pixels());
      }
    }
  }

  /**
   * One map from the raw planes: each normalised per pixel when the calibration says so, then
   * added (without normalization, a method of several planes adds them as they are).
   */
  private void collapse(float[] raw, float[] out) {
    PixelNormalization n = settings.normalization();
    if (n != null) {
      n.apply(raw, out);
      return;
    }
    int pixels = decoder.spec().pixels();
    System.arraycopy(raw, 0, out, 0, pixels);
    for (int o = pixels; o < raw.length; o += pixels) {
      for (int i = 0; i < pixels; i++) {
        out[i] += raw[o + i];
      }
    }
  }

  private static void excludeOutside(float[] map, boolean[] roi, int n) {
    if (roi != null) {
      for (int i = 0; i < n; i++) {
        if (!roi[i]) {
          map[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
  }

  private static double meanInside(float[] map, boolean[] roi, int n) {
    double sum = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (roi[i]) {
        sum += map[i];
        count++;
      }
    }
    return sum / count;
  }

  private static float minInside(float[] map, boolean[] roi, int n) {
    float min = Float.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (roi[i]) {
        min = Math.min(min, map[i]);
      }
    }
    return min;
  }
}
