package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
  private static float[] randomImage(Random rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = rnd.nextFloat();
    }
    return x;
  }

  @Test
  void everyCallerGetsItsOwnReconstructionAndBatchesFormAcrossThreads() throws Exception {
    try (CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu())) {
      int size = model.inputSpec().size();
      int threads = 8;
      float[][] inputs = new float[threads][];
      float[][] expected = new float[threads][];
      Random rnd = new Random(7);
      try (ModelRunner single = model.newRunner(1)) {
        for (int t = 0; t < threads; t++) {
          inputs[t] = randomImage(rnd, size);
          single.input().put(0, inputs[t], 0, size);
          single.run(1);
          expected[t] = new float[size];
          single.output().get(0, expected[t], 0, size);
        }
      }
      List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
      // A delay lets the batch fill: all eight callers arrive within it.
      try (DynamicBatcher batcher = new DynamicBatcher(model, threads, 200, (n, nanos) -> batchSizes.add(n))) {
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger mismatches = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
          final int id = t;
          new Thread(() -> {
            try {
              start.await();
              for (int round = 0; round < 20; round++) {
                float[] out = new float[size];
                batcher.reconstruct(inputs[id], out);
                for (int i = 0; i < size; i++) {
                  if (Math.abs(out[i] - expected[id][i]) > 1e-5) {
                    mismatches.incrementAndGet();
                    break;
                  }
                }
              }
            } catch (Throwable e) {
              failure.set(e);
            } finally {
              done.countDown();
            }
          }).start();
        }
        done.await();
        assertThat(failure.get()).isNull();
        assertThat(mismatches.get()).as("reconstructions returned to the wrong caller").isZero();
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(threads * 20);
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).max().orElse(0)).isGreaterThan(1).isLessThanOrEqualTo(threads);
      }
    }
  }

  @Test
  void aClosedBatcherFailsCallersWithAModelFailure() {
    CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu());
    try {
      DynamicBatcher batcher = new DynamicBatcher(model, 4, 0, BatchListener.NONE);
      batcher.close();
      int size = model.inputSpec().size();
      assertThatThrownBy(() -> batcher.reconstruct(new float[size], new float[size]))
          .isInstanceOf(ModelFailureException.class);
    } finally {
      model.close();
    }
  }
}
