package io.caestream.bench;

import io.caestream.app.Demo;
import io.caestream.app.LatencyReservoir;
import io.caestream.config.CaeConfig;
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
 * Measures the product against its ceiling on one model and one set of generated images:
 * raw {@code session.run} on a ready tensor, the full scoring path (bytes to event JSON, batched
 * across caller threads as stream threads do), and end to end through a real in-process broker
 * with exactly_once_v2.
 */
public final class Bench {
  /** What to run. */
  public record Options(CaeConfig config, List<Integer> batches, double seconds, int images,
      boolean endToEnd, long e2eImages) {}

  private final Options options;
  private final PrintStream log;

  public Bench(Options options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  public List<BenchRow> run() throws Exception {
    List<BenchRow> rows = new ArrayList<>();
    int maxBatch = options.batches().stream().mapToInt(Integer::intValue).max().orElse(1);
    CaeConfig config = options.config().with(Map.of(CaeConfig.MODEL_BATCH_MAX, Integer.toString(maxBatch)));
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      log.printf("  model %s %s, ONNX Runtime intra-op threads %d%n", engine.model().metadata().name(),
          engine.model().inputSpec(), engine.model().intraOpThreads());
      InputSpec spec = engine.scorer().inputSpec();
      List<byte[]> encoded = images(spec, options.images());
      float[][] decoded = decode(engine.scorer(), encoded);
      for (int batch : options.batches()) {
        BenchRow raw = raw(engine, decoded, batch);
        rows.add(raw);
        log.printf("  raw          batch %3d  %9.1f img/s%n", batch, raw.imagesPerSec());
        BenchRow path = scoringPath(engine, encoded, batch, raw.imagesPerSec());
        rows.add(path);
        log.printf("  scoring path batch %3d  %9.1f img/s  (%.2fx raw)%n", batch, path.imagesPerSec(), path.ratioToRaw());
      }
      if (options.endToEnd()) {
        for (int batch : options.batches()) {
          double rawRate = rows.stream().filter(r -> r.stage().equals("raw") && r.batch() == batch)
              .findFirst().orElseThrow().imagesPerSec();
          BenchRow e2e = endToEnd(batch, rawRate, engine.model().metadata().input().width());
          rows.add(e2e);
          log.printf("  end to end   batch %3d  %9.1f img/s  (%.2fx raw)  p99 %.1f ms%n", batch,
              e2e.imagesPerSec(), e2e.ratioToRaw(), e2e.p99Ms());
        }
      }
    }
    return rows;
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

  private static float[][] decode(ImageScorer scorer, List<byte[]> encoded) throws Exception {
    float[][] out = new float[encoded.size()][];
    var decoder = new io.caestream.image.ImageDecoder(scorer.inputSpec(), io.caestream.image.ImageLimits.DEFAULT);
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[scorer.inputSpec().size()];
      decoder.decode(encoded.get(i), out[i]);
    }
    return out;
  }

  /** The ceiling: session.run on tensors already in the direct input buffer. */
  private BenchRow raw(ScoringEngine engine, float[][] decoded, int batch) {
    int size = engine.scorer().inputSpec().size();
    try (ModelRunner runner = engine.model().newRunner(batch)) {
      for (int i = 0; i < batch; i++) {
        runner.input().put(i * size, decoded[i % decoded.length], 0, size);
      }
      LatencyReservoir lat = new LatencyReservoir(1 << 16);
      runFor(Math.min(1.0, options.seconds() / 3), () -> runner.run(batch));
      long runs = 0;
      long start = System.nanoTime();
      long end = start + (long) (options.seconds() * 1e9);
      long now = start;
      while (now < end) {
        runner.run(batch);
        long t = System.nanoTime();
        lat.add(t - now);
        now = t;
        runs++;
      }
      double secs = (now - start) / 1e9;
      double rate = runs * batch / secs;
      return new BenchRow("raw", batch, rate, 1.0, lat.quantileMs(0.5), lat.quantileMs(0.99), runs * batch, secs);
    }
  }

  /**
   * Everything but Kafka: caller threads (as stream threads) each take encoded bytes through
   * decode, batched inference, error map, score, region and event JSON. Twice as many callers as
   * the batch size, so that a full batch is waiting while the previous one runs (in the stream:
   * {@code num.stream.threads = 2 x model.batch.max}).
   */
  private BenchRow scoringPath(ScoringEngine engine, List<byte[]> encoded, int batch, double rawRate)
      throws InterruptedException {
    ImageScorer scorer = engine.scorer();
    ModelInfo info = ModelInfo.of(engine);
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    AtomicLong done = new AtomicLong();
    AtomicLong jsonBytes = new AtomicLong();
    LatencyReservoir lat = new LatencyReservoir(1 << 16);
    int callers = 2 * batch;
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
    return new BenchRow("scoring-path", batch, rate, rate / rawRate, lat.quantileMs(0.5), lat.quantileMs(0.99),
        done.get(), secs);
  }

  /** Through a real broker: producer -> exactly_once_v2 topology -> read_committed consumer. */
  private BenchRow endToEnd(int batch, double rawRate, int size) throws Exception {
    int threads = Math.max(1, Math.min(batch, 8));
    // The same model settings as the other stages (path, provider, threads, limits, method).
    Map<String, String> same = new java.util.LinkedHashMap<>();
    options.config().asStrings().forEach((k, v) -> {
      if (k.startsWith("model.") || k.startsWith("image.") || k.startsWith("scoring.")) {
        same.put(k, v);
      }
    });
    same.put(CaeConfig.MODEL_BATCH_MAX, Integer.toString(batch));
    Demo demo = new Demo(new Demo.Options(0, 0, options.e2eImages(), 0, true, 0, 0.04, 99, threads,
        threads, batch, same), new PrintStream(java.io.OutputStream.nullOutputStream()));
    Demo.Summary s = demo.run();
    return new BenchRow("end-to-end", batch, s.imagesPerSec(), s.imagesPerSec() / rawRate, s.p50Ms(), s.p99Ms(),
        s.scored() + s.deadLettered(), s.seconds());
  }

  private static void runFor(double seconds, Runnable r) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      r.run();
    }
  }
}
