package io.caestream.scoring;

import io.caestream.image.ImageRejectedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Scores many files with several threads so that the batcher forms batches, as stream threads do.
 * Results keep the input order.
 */
public final class ParallelScoring {
  private ParallelScoring() {}

  /** One file's outcome: a result, or the rejection. */
  public record Outcome(Path file, ScoreResult result, ImageRejectedException rejection) {
    /** The anomaly map, when it was kept. */
    public AnomalyMap map() {
      return result == null ? null : result.map();
    }

    public boolean scored() {
      return result != null;
    }
  }

  /**
   * @param keepMaps whether to keep each image's smoothed error map (calibration, pixel metrics)
   */
  public static List<Outcome> score(ImageScorer scorer, List<Path> files, int threads,
      boolean keepMaps, IntConsumer progress) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "cae-offline");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger done = new AtomicInteger();
    try {
      List<Future<Outcome>> futures = new ArrayList<>(files.size());
      for (Path f : files) {
        futures.add(pool.submit(() -> {
          Outcome o = scoreOne(scorer, f, keepMaps);
          progress.accept(done.incrementAndGet());
          return o;
        }));
      }
      List<Outcome> out = new ArrayList<>(files.size());
      for (Future<Outcome> fu : futures) {
        out.add(fu.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(c.getMessage(), c);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Outcome scoreOne(ImageScorer scorer, Path file, boolean keepMap) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return new Outcome(file, scorer.score(bytes, keepMap), null);
    } catch (ImageRejectedException e) {
      return new Outcome(file, null, e);
    }
  }
}
