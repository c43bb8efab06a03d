package io.caestream.bench;

import io.caestream.app.LatencyReservoir;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.GreyImage;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.image.InputSpec;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelRunner;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoreResult;
import io.caestream.scoring.ScoringEngine;
import io.caestream.stream.ModelInfo;
import io.caestream.stream.ScoreEvent;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the product against its ceilings on one model and one set of generated images, all in
 * one run so that the ratios are fair on a noisy machine: raw {@code session.run} on a ready
 * tensor; the full scoring path (bytes to event JSON, batched across caller threads as stream
 * threads do); Kafka alone (a pass-through topology with the same guarantee, threads and broker);
 * end to end through {@code serve}, as a ratio to raw and to the additive bound
 * {@code 1 / (1/kafka + 1/scoring path)}; and capture-to-visible latency at fixed input rates.
 * With a frame size, images are frames scored tile by tile, and raw runs the same tiles in the
 * same batches.
 */
public final class Bench {
  /** A frame size for tiled scoring ({@code --frame WxH}). */
  public record FrameSize(int width, int height) {
    public static FrameSize parse(String text) {
      String[] wh = text.toLowerCase(java.util.Locale.ROOT).split("x");
      if (wh.length != 2) {
        throw new IllegalArgumentException("expected WIDTHxHEIGHT, e.g. 1024x1024: " + text);
      }
      return new FrameSize(Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim()));
    }
  }

  /**
   * What to run. {@code frame} null = images at the model's size; {@code streamThreads} the
   * thread counts of the Kafka stages (none = skip them); {@code latencyRates} empty = half of the
   * end-to-end rate at the first thread count, null = no latency rows. {@code rounds}: how often
   * raw and the scoring path (best batch), kafka and end-to-end stages run per thread count, best kept;
   * {@code variants} the settings those stages compare ({@link Variants#NONE}: none). {@code
   * warmUpSeconds}: at most how long the stages run uncounted before the first measurement,
   * until the JIT compilers are nearly idle (0 = no warm-up).
   */
  public record Options(CaeConfig config, List<Integer> batches, double seconds, int images, FrameSize frame,
      List<Integer> streamThreads, long kafkaImages, String bootstrap, List<Double> latencyRates,
      double latencySeconds, double latencyWarmUpSeconds, int rounds, Variants variants, double warmUpSeconds) {
    public Options {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1");
      }
      if (latencyWarmUpSeconds < 0 || warmUpSeconds < 0) {
        throw new IllegalArgumentException("warm-ups must be >= 0 s");
      }
      variants = variants == null ? Variants.NONE : variants;
    }

    /** Nothing compared. */
    public Options(CaeConfig config, List<Integer> batches, double seconds, int images, FrameSize frame,
        List<Integer> streamThreads, long kafkaImages, String bootstrap, List<Double> latencyRates,
        double latencySeconds, int rounds) {
      this(config, batches, seconds, images, frame, streamThreads, kafkaImages, bootstrap, latencyRates,
          latencySeconds, 1, rounds, Variants.NONE, 0);
    }
  }

  /**
   * Compiler cores below which the warm-up ends. A long-running {@code serve} here settles at
   * about 0.03; a fresh bench process starts at 0.5-0.7 of its 2 cores.
   */
  static final double QUIET_JIT_CORES = 0.1;

  private final Options options;
  private final PrintStream log;

  public Bench(Options options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  public List<BenchRow> run() throws Exception {
    List<BenchRow> rows = new ArrayList<>();
    int maxBatch = options.batches().stream().mapToInt(Integer::intValue).max().orElse(1);
    Map<String, String> overrides = new java.util.LinkedHashMap<>();
    overrides.put(CaeConfig.MODEL_BATCH_MAX, Integer.toString(maxBatch));
    if (options.frame() != null) {
      overrides.put(CaeConfig.IMAGE_FIT, "tile");
    }
    CaeConfig config = options.config().with(overrides);
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      log.printf("  model %s %s, ONNX Runtime intra-op threads %d, %d inference lanes%n",
          engine.model().metadata().name(), engine.model().inputSpec(), engine.model().intraOpThreads(),
          engine.inferenceLanes());
      InputSpec spec = engine.scorer().inputSpec();
      List<byte[]> encoded = options.frame() == null ? images(spec, options.images())
          : frames(options.frame(), spec, options.images());
      int tiles = options.frame() == null ? 1
          : engine.scorer().tilesPerFrame(options.frame().width(), options.frame().height());
      if (options.frame() != null) {
        log.printf("  frames %dx%d: %d tiles of %dx%d each%n", options.frame().width(), options.frame().height(),
            tiles, spec.width(), spec.height());
      }
      // Raw runs model inputs: the images themselves, or images at the model's size for tiles.
      float[][] decoded = decode(spec,
          options.frame() == null ? encoded : images(spec, Math.min(options.images(), 256)));
      if (options.streamThreads().isEmpty()) {
        warmUp(() -> scoringPath(engine, encoded, maxBatch, raw(engine, decoded, maxBatch, tiles), tiles));
        pathStages(engine, encoded, decoded, tiles, rows);
        return rows;
      }
      try (KafkaStages kafka = KafkaStages.open(options.bootstrap(), log)) {
        long bytes = Math.max(1, encoded.stream().mapToLong(b -> b.length).sum() / encoded.size());
        // Large frames: keep what is produced in advance to about 512 MB.
        long n = Math.max(100, Math.min(options.kafkaImages(), (512L << 20) / bytes));
        log.printf("  producing %d images (%d bytes each on average) in advance ...%n", n, bytes);
        String input = kafka.produce(encoded, n, config.integer(CaeConfig.TOPICS_PARTITIONS));
        // serve's code is the scoring path's plus Kafka's: warming it up warms both. Every thread
        // count is warmed, not only the first: more stream threads run more clients, commits and
        // rebalances, code one thread may not make hot. With only the first count warmed the JIT
        // took 0.17-0.30 cores during four-thread stages here, with every count 0.10-0.22.
        warmUp(() -> {
          for (int threads : options.streamThreads()) {
            kafka.passThrough(config, input, threads, n);
            kafka.serve(config, input, threads, n);
          }
        });
        pathStages(engine, encoded, decoded, tiles, rows);
        kafkaStages(kafka, input, n, config, engine, encoded, decoded, rows, tiles);
      }
    }
    return rows;
  }

  /** One uncounted pass of the stages. */
  private interface WarmUpPass {
    void run() throws Exception;
  }

  /**
   * Runs {@code pass} until the JIT compilers used less than {@link #QUIET_JIT_CORES} during one
   * pass, or {@link Options#warmUpSeconds} are up (at least one pass when above 0): a stage
   * measured while the compilers take a quarter of the cores says more about the JIT than about
   * the stage, and it is the scorer's steady state that {@code serve} runs in.
   */
  private void warmUp(WarmUpPass pass) throws Exception {
    if (options.warmUpSeconds() <= 0) {
      return;
    }
    long start = System.nanoTime();
    long until = start + (long) (options.warmUpSeconds() * 1e9);
    JitMeter jit = new JitMeter();
    double cores;
    int passes = 0;
    do {
      pass.run();
      cores = jit.coresSinceLast();
      passes++;
      log.printf("  warm-up pass %d: JIT compilers %.2f cores, %.0f s in%n", passes, cores,
          (System.nanoTime() - start) / 1e9);
    } while (cores >= QUIET_JIT_CORES && System.nanoTime() < until);
  }

  private void pathStages(ScoringEngine engine, List<byte[]> encoded, float[][] decoded, int tiles,
      List<BenchRow> rows) throws InterruptedException {
    for (int batch : options.batches()) {
      JitMeter jit = new JitMeter();
      BenchRow raw = raw(engine, decoded, batch, tiles).withJitCores(jit.coresSinceLast());
      rows.add(raw);
      log.printf("  raw          batch %3d  %9.1f img/s%s%n", batch, raw.imagesPerSec(), jitNote(raw.jitCores()));
      BenchRow path = scoringPath(engine, encoded, batch, raw, tiles).withJitCores(jit.coresSinceLast());
      rows.add(path);
      log.printf("  scoring path batch %3d  %9.1f img/s  (%.2fx raw)%s%n", batch, path.imagesPerSec(),
          path.ratioToRaw(), jitNote(path.jitCores()));
    }
  }

  private static int rawIndex(List<BenchRow> rows, int batch) {
    return rows.indexOf(rows.stream().filter(r -> r.stage().equals("raw") && r.batch() == batch)
        .findFirst().orElseThrow());
  }

  /** A stage's JIT share, when it was large enough to have slowed the stage down. */
  private static String jitNote(double jitCores) {
    return jitCores >= QUIET_JIT_CORES
        ? String.format(java.util.Locale.ROOT, "  (JIT compilers %.2f cores meanwhile)", jitCores) : "";
  }

  /**
   * Kafka alone and end to end per thread count and compared setting, {@code rounds} times each,
   * alternating, with raw and the scoring path measured again before each later round: on a noisy
   * machine a stage is only ever slowed down, so the best of each is its speed, and the bound comes
   * from the best two (raw too: measured once, an unlucky raw put end to end at 1.22-1.32x it).
   * Latency rows alternate between the compared settings too, once per round when there are several.
   */
  private void kafkaStages(KafkaStages kafka, String input, long n, CaeConfig config, ScoringEngine engine,
      List<byte[]> encoded, float[][] decoded, List<BenchRow> rows, int tiles) throws Exception {
    BenchRow bestPath = rows.stream().filter(r -> r.stage().equals("scoring-path"))
        .max(java.util.Comparator.comparingDouble(BenchRow::imagesPerSec)).orElseThrow();
    int bestPathIndex = rows.indexOf(bestPath);
    // serve as the scoring path was measured at its best: the same batch limit.
    List<Variants.Variant> variants = options.variants().apply(
        config.with(Map.of(CaeConfig.MODEL_BATCH_MAX, Integer.toString(bestPath.batch()))));
    List<Pairing> pairings = new ArrayList<>();
    for (int threads : options.streamThreads()) {
      for (Variants.Variant v : variants) {
        pairings.add(new Pairing(threads, v));
      }
    }
    double roundPath = bestPath.imagesPerSec();
    for (int round = 1; round <= options.rounds(); round++) {
      if (round > 1) {
        JitMeter jit = new JitMeter();
        int batch = bestPath.batch();
        BenchRow rawAgain = raw(engine, decoded, batch, tiles).withJitCores(jit.coresSinceLast());
        BenchRow again = scoringPath(engine, encoded, batch, rawAgain, tiles).withJitCores(jit.coresSinceLast());
        roundPath = again.imagesPerSec();
        log.printf("  round %d: raw batch %3d %9.1f img/s, scoring path %9.1f img/s%s%n", round, batch,
            rawAgain.imagesPerSec(), again.imagesPerSec(), jitNote(again.jitCores()));
        int rawIndex = rawIndex(rows, batch);
        if (rawAgain.imagesPerSec() > rows.get(rawIndex).imagesPerSec()) {
          rows.set(rawIndex, rawAgain);
        }
        if (again.imagesPerSec() > bestPath.imagesPerSec()) {
          bestPath = again;
        }
      }
      for (Pairing p : pairings) {
        JitMeter jit = new JitMeter();
        Run pass = new Run(kafka.passThrough(p.variant.config(), input, p.threads, n), jit.coresSinceLast());
        log.printf("  kafka        threads %2d %9.1f img/s%s%s%n", p.threads, pass.imagesPerSec(), label(p.variant),
            jitNote(pass.jitCores()));
        logCpu(pass);
        Run e2e = new Run(kafka.serve(p.variant.config(), input, p.threads, n), jit.coresSinceLast());
        log.printf("  end to end   threads %2d %9.1f img/s%s%s%n", p.threads, e2e.imagesPerSec(), label(p.variant),
            jitNote(e2e.jitCores()));
        logCpu(e2e);
        p.add(pass, e2e, roundPath);
      }
    }
    // The best scoring path against the best raw at its batch, which may be another round's.
    double rawAtPathBatch = rows.get(rawIndex(rows, bestPath.batch())).imagesPerSec();
    bestPath = bestPath.withRatioToRaw(bestPath.imagesPerSec() / rawAtPathBatch);
    rows.set(bestPathIndex, bestPath);
    BenchRow bestRaw = rows.stream().filter(r -> r.stage().equals("raw"))
        .max(java.util.Comparator.comparingDouble(BenchRow::imagesPerSec)).orElseThrow();
    for (Pairing p : pairings) {
      Run pass = p.bestPass;
      Run e2e = p.bestE2e;
      rows.add(BenchRow.throughput("kafka", bestPath.batch(), p.threads, pass.imagesPerSec(), tiles,
          null, null, pass.images(), pass.seconds(), p.variant.label()).withJitCores(pass.jitCores())
          .withCpu(pass.throughput().cpu()));
      double bound = additiveBound(pass.imagesPerSec(), bestPath.imagesPerSec());
      rows.add(BenchRow.throughput("end-to-end", bestPath.batch(), p.threads, e2e.imagesPerSec(), tiles,
          e2e.imagesPerSec() / bestRaw.imagesPerSec(), e2e.imagesPerSec() / bound, e2e.images(), e2e.seconds(),
          p.variant.label()).withRoundRatios(p.roundRatios).withJitCores(e2e.jitCores())
          .withCpu(e2e.throughput().cpu()));
      log.printf("  %s threads %2d: kafka %9.1f, end to end %9.1f img/s  (%.2fx raw, %.2fx the bound %.0f)%s%n",
          options.rounds() > 1 ? "best of " + options.rounds() + "," : "", p.threads, pass.imagesPerSec(),
          e2e.imagesPerSec(), e2e.imagesPerSec() / bestRaw.imagesPerSec(), e2e.imagesPerSec() / bound, bound,
          label(p.variant));
      CpuMeter.Use passCpu = pass.throughput().cpu();
      CpuMeter.Use e2eCpu = e2e.throughput().cpu();
      if (passCpu != null && e2eCpu != null && e2eCpu.usPerImage().getOrDefault(CpuMeter.SCORING, 0.0) > 0) {
        // The bound prices a record at the pass-through's cost; this is what one cost in serve
        // (not shown unbuffered, where the stream threads score and no pool's CPU can be told apart).
        log.printf("    CPU per record outside the scoring pool: kafka stage %.0f us, end to end %.0f us%n",
            passCpu.totalUs(), e2eCpu.beyondScoringUs());
      }
      if (p.roundRatios.size() > 1) {
        log.printf("    x the bound of its own round: %s (median %.2f)%n", p.roundRatios.stream()
            .map(r -> String.format(java.util.Locale.ROOT, "%.2f", r)).toList(), median(p.roundRatios));
      }
    }
    if (options.latencyRates() == null) {
      return;
    }
    List<Double> rates = options.latencyRates().isEmpty()
        ? List.of(Math.floor(pairings.get(0).bestE2e.imagesPerSec() / 2))
        : options.latencyRates();
    int threads = options.streamThreads().get(0);
    int latencyRounds = variants.size() > 1 ? options.rounds() : 1;
    for (double rate : rates) {
      for (int round = 1; round <= latencyRounds; round++) {
        for (Variants.Variant v : variants) {
          KafkaStages.Latency l = kafka.latency(v.config(), encoded, threads, rate,
              options.latencyWarmUpSeconds(), options.latencySeconds(), options.warmUpSeconds());
          rows.add(BenchRow.latency(bestPath.batch(), threads, l, v.label()));
          LatencyParts p = l.parts();
          log.printf("  latency      threads %2d %7.0f img/s in: p50 %.1f ms, p99 %.1f ms, max %.1f ms%s%s%n"
                  + "    p50 / p99 ms: to the scorer %.1f / %.1f, in the scorer %.1f / %.1f, scored to visible %.1f / %.1f;"
                  + " counted after %.1f s of feeding%n",
              threads, rate, l.p50Ms(), l.p99Ms(), l.maxMs(), label(v), jitNote(l.jitCores()),
              p.toScorer().p50Ms(), p.toScorer().p99Ms(), p.inScorer().p50Ms(), p.inScorer().p99Ms(),
              p.toVisible().p50Ms(), p.toVisible().p99Ms(), l.warmUpSeconds());
        }
      }
    }
  }

  private void logCpu(Run run) {
    CpuMeter.Use cpu = run.throughput().cpu();
    if (cpu == null) {
      return;
    }
    StringBuilder line = new StringBuilder("    CPU per image:");
    cpu.usPerImage().forEach((group, us) -> line.append(String.format(java.util.Locale.ROOT, " %s %.0f us,", group, us)));
    line.setLength(line.length() - 1);
    if (cpu.machineCores() != null) {
      line.append(String.format(java.util.Locale.ROOT, "; machine %.2f of %d cores busy", cpu.machineCores(),
          Runtime.getRuntime().availableProcessors()));
    }
    log.println(line);
  }

  /** A Kafka stage's throughput and the JIT compilers' cores while it ran. */
  private record Run(KafkaStages.Throughput throughput, double jitCores) {
    double imagesPerSec() {
      return throughput.imagesPerSec();
    }

    long images() {
      return throughput.images();
    }

    double seconds() {
      return throughput.seconds();
    }
  }

  /** What end to end would reach if Kafka's and scoring's CPU costs simply added up. */
  static double additiveBound(double kafkaPerSec, double scoringPathPerSec) {
    return 1 / (1 / kafkaPerSec + 1 / scoringPathPerSec);
  }

  /**
   * One thread count with one compared setting: the best pass-through and end-to-end run over
   * the rounds, and each round's end to end against the bound of that round's own stages.
   */
  private static final class Pairing {
    final int threads;
    final Variants.Variant variant;
    final List<Double> roundRatios = new ArrayList<>();
    Run bestPass;
    Run bestE2e;

    Pairing(int threads, Variants.Variant variant) {
      this.threads = threads;
      this.variant = variant;
    }

    void add(Run pass, Run e2e, double roundPathPerSec) {
      bestPass = bestPass == null || pass.imagesPerSec() > bestPass.imagesPerSec() ? pass : bestPass;
      bestE2e = bestE2e == null || e2e.imagesPerSec() > bestE2e.imagesPerSec() ? e2e : bestE2e;
      roundRatios.add(e2e.imagesPerSec() / additiveBound(pass.imagesPerSec(), roundPathPerSec));
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String label(Variants.Variant v) {
    return v.label() == null ? "" : "  [" + v.label() + "]";
  }

  /** Normal and defective synthetic surfaces at the model's size, encoded as grey PNGs. */
  static List<byte[]> images(InputSpec spec, int n) {
    SyntheticSurfaces gen = new SyntheticSurfaces(spec.width(), 2024, List.of(SyntheticSurfaces.Surface.values()));
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(gen.streamSample(i, 0.05).image().toPng());
    }
    return out;
  }

  /** Frames of the surfaces, with defects scaled to the frame (a few per cent of them). */
  static List<byte[]> frames(FrameSize frame, InputSpec spec, int n) {
    int side = Math.max(frame.width(), frame.height());
    SyntheticSurfaces gen = new SyntheticSurfaces(side, Math.max(8, side / 32), 2024,
        List.of(SyntheticSurfaces.Surface.values()));
    return java.util.stream.IntStream.range(0, Math.min(n, 16)).parallel().mapToObj(i -> {
      GreyImage full = gen.streamSample(i, 0.05).image();
      GreyImage cut = new GreyImage(frame.width(), frame.height());
      for (int y = 0; y < frame.height(); y++) {
        for (int x = 0; x < frame.width(); x++) {
          cut.set(x, y, full.get(x, y));
        }
      }
      return cut.toPng();
    }).toList();
  }

  /** Model inputs for the raw stage: images at the model's size, decoded. */
  private static float[][] decode(InputSpec spec, List<byte[]> encoded) throws Exception {
    float[][] out = new float[encoded.size()][];
    var decoder = new io.caestream.image.ImageDecoder(spec, io.caestream.image.ImageLimits.DEFAULT);
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[spec.size()];
      decoder.decode(encoded.get(i), out[i]);
    }
    return out;
  }

  /**
   * The ceiling: session.run on tensors already in the direct input buffer. With frames, each
   * frame's tiles run as the scorer runs them: full batches, then the rest.
   */
  private BenchRow raw(ScoringEngine engine, float[][] decoded, int batch, int tiles) {
    int size = engine.scorer().inputSpec().size();
    int[] calls = new int[(tiles + batch - 1) / batch];
    java.util.Arrays.fill(calls, batch);
    calls[calls.length - 1] = tiles - (calls.length - 1) * batch;
    try (ModelRunner runner = engine.model().newRunner(batch)) {
      for (int i = 0; i < batch; i++) {
        runner.input().put(i * size, decoded[i % decoded.length], 0, size);
      }
      LatencyReservoir lat = new LatencyReservoir(1 << 16);
      runFor(Math.min(1.0, options.seconds() / 3), () -> runner.run(batch));
      long frames = 0;
      long start = System.nanoTime();
      long end = start + (long) (options.seconds() * 1e9);
      long now = start;
      while (now < end) {
        for (int c : calls) {
          runner.run(c);
        }
        long t = System.nanoTime();
        lat.add(t - now);
        now = t;
        frames++;
      }
      double secs = (now - start) / 1e9;
      return BenchRow.throughput("raw", batch, 0, frames / secs, tiles, 1.0, null, frames,
          secs).withLatency(lat.quantileMs(0.5), lat.quantileMs(0.99));
    }
  }

  /**
   * Everything but Kafka: caller threads (as stream threads) each take encoded bytes through
   * decode, batched inference, error map, score, region and event JSON. Twice as many callers as
   * the batch size, so that a full batch is waiting while the previous one runs (in the stream:
   * {@code num.stream.threads = 2 x model.batch.max}).
   */
  private BenchRow scoringPath(ScoringEngine engine, List<byte[]> encoded, int batch, BenchRow raw, int tiles)
      throws InterruptedException {
    ImageScorer scorer = engine.scorer();
    ModelInfo info = ModelInfo.of(engine);
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    AtomicLong done = new AtomicLong();
    AtomicLong jsonBytes = new AtomicLong();
    LatencyReservoir lat = new LatencyReservoir(1 << 16);
    // A frame fills batches with its own tiles: two callers, so one decodes while the other's tiles run.
    int callers = tiles > 1 ? 2 : 2 * batch;
    CountDownLatch finished = new CountDownLatch(callers);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      final int offset = t;
      Thread th = new Thread(() -> {
        try {
          int i = offset;
          while (!stop.get()) {
            long t0 = System.nanoTime();
            ScoreResult r = scorer.score(encoded.get(i % encoded.size()));
            byte[] json = ScoreEvent.of("bench-" + i, "bench/cam-1", r,
                new ScoreEvent.Model(info.name(), info.version(), info.provider()), System.currentTimeMillis(),
                (System.nanoTime() - t0) / 1e6, new ScoreEvent.Input("bench", 0, i)).toJson();
            if (measuring.get()) {
              jsonBytes.addAndGet(json.length);
              lat.add(System.nanoTime() - t0);
              done.incrementAndGet();
            }
            i += callers;
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          finished.countDown();
        }
      }, "bench-caller-" + t);
      th.setDaemon(true);
      threads.add(th);
      th.start();
    }
    Thread.sleep((long) (Math.min(1.0, options.seconds() / 3) * 1000));
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep((long) (options.seconds() * 1000));
    measuring.set(false);
    double secs = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    finished.await();
    double rate = done.get() / secs;
    return BenchRow.throughput("scoring-path", batch, 0, rate, tiles, rate / raw.imagesPerSec(), null, done.get(),
        secs).withLatency(lat.quantileMs(0.5), lat.quantileMs(0.99));
  }

  private static void runFor(double seconds, Runnable r) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      r.run();
    }
  }
}
