package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import io.caestream.dataset.GreyImage;
import io.caestream.model.BatchListener;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 16-megapixel frame now and then must not make every scoring thread keep 16-megapixel buffers
 * for the rest of its life: after a mix of 16 Mpx PNG and JPEG frames and normal images, the live
 * heap (after GC) is back near where it was, with the same threads still alive. Without the trim
 * of oversized scratch this grows by about 80 MB per thread (float pixels, PNG scanlines, resize
 * rows); with it, by a few MB.
 */
class LargeImageMemoryTest {
  private static final int THREADS = 2;
  private static final long MAX_GROWTH = 24L << 20;

  @ParameterizedTest(name = "image.fit={0}")
  @ValueSource(strings = {"resize", "tile"})
  void hugeFramesLeaveNoLastingScratch(String fit) throws Exception {
    byte[] normal = noise(64, 64).toPng();
    byte[] hugePng = noise(4096, 4096).toPng();
    byte[] hugeJpeg = jpeg(4096, 4096);
    CaeConfig config = CaeConfig.defaults().with(Map.of(CaeConfig.IMAGE_FIT, fit));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      ImageScorer scorer = engine.scorer();
      run(pool, scorer, List.of(normal, normal, normal, normal));
      long before = liveHeap();
      run(pool, scorer, List.of(hugePng, hugeJpeg, normal, hugeJpeg, hugePng, normal, normal, normal));
      long after = liveHeap();
      assertThat(after - before).as("live heap growth (before %d MB, after %d MB)", before >> 20, after >> 20)
          .isLessThan(MAX_GROWTH);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every image once, spread over the pool's threads (each keeps its scratch). */
  private static void run(ExecutorService pool, ImageScorer scorer, List<byte[]> images) throws Exception {
    List<Future<ScoreResult>> results = new ArrayList<>();
    for (byte[] image : images) {
      results.add(pool.submit(() -> scorer.score(image)));
    }
    for (Future<ScoreResult> f : results) {
      assertThat(f.get().score()).isFinite();
    }
  }

  private static long liveHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static GreyImage noise(int w, int h) {
    SplittableRandom r = new SplittableRandom(w * 31L + h);
    float[] px = new float[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = 0.4f + 0.2f * (float) r.nextDouble();
    }
    return new GreyImage(w, h, px);
  }

  private static byte[] jpeg(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    SplittableRandom r = new SplittableRandom(7);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = 100 + r.nextInt(50);
        img.setRGB(x, y, v << 16 | v << 8 | v);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }
}
