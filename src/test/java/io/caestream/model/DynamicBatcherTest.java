package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
              start.await(30, TimeUnit.SECONDS);
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
        assertThat(done.await(60, TimeUnit.SECONDS)).as("all callers returned").isTrue();
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

  /**
   * A batch that fails fails every caller in it, each with a ModelFailureException, and the
   * inference thread goes on: the next image is reconstructed. (The listener runs inside the
   * batch, so a listener that throws is a real failure of that whole batch.)
   */
  @Test
  @Timeout(60)
  void aFailedBatchFailsEveryCallerInItAndTheNextBatchRuns() throws Exception {
    try (CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu())) {
      int size = model.inputSpec().size();
      int callers = 4;
      List<Integer> batches = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicInteger calls = new AtomicInteger();
      BatchListener failsFirst = (n, nanos) -> {
        batches.add(n);
        if (calls.getAndIncrement() == 0) {
          throw new IllegalStateException("boom in the first batch");
        }
      };
      // A long delay: a batch runs as soon as it is full, so each round of four callers is one batch.
      try (DynamicBatcher batcher = new DynamicBatcher(model, callers, 20_000, failsFirst)) {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
          for (int round = 0; round < 2; round++) {
            List<Future<Throwable>> results = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
              results.add(pool.submit(() -> {
                try {
                  float[] out = new float[size];
                  java.util.Arrays.fill(out, Float.NaN);
                  batcher.reconstruct(new float[size], out);
                  return Float.isNaN(out[0]) ? new AssertionError("no reconstruction written") : null;
                } catch (Throwable e) {
                  return e;
                }
              }));
            }
            for (Future<Throwable> r : results) {
              Throwable outcome = r.get(30, TimeUnit.SECONDS);
              if (round == 0) {
                assertThat(outcome).isInstanceOf(ModelFailureException.class)
                    .hasMessageContaining("boom in the first batch");
              } else {
                assertThat(outcome).as("the same inference thread runs the next batch").isNull();
              }
            }
          }
        } finally {
          pool.shutdownNow();
        }
        assertThat(batches).containsExactly(callers, callers);
      }
    }
  }

  /**
   * A caller whose inference thread has died is told so at once (ModelFailureException), never
   * left waiting for a batch that will not run.
   */
  @Test
  @Timeout(60)
  void aDeadInferenceThreadFailsCallersInsteadOfHangingThem() throws Exception {
    try (CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu());
        DynamicBatcher batcher = new DynamicBatcher(model, 4, 0, BatchListener.NONE)) {
      int size = model.inputSpec().size();
      Thread worker = batcher.workerThread();
      worker.interrupt();
      worker.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(worker.isAlive()).as("the inference thread stopped").isFalse();
      assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
          assertThatThrownBy(() -> batcher.reconstruct(new float[size], new float[size]))
              .isInstanceOf(ModelFailureException.class));
    }
  }

  /**
   * Without a batch delay, a caller that finds the model idle runs its image on its own thread
   * (no hand-off); callers that find it busy queue and batch. Either way each gets its own
   * reconstruction.
   */
  @Test
  @Timeout(60)
  void anIdleModelRunsTheCallersImageOnTheCallersThreadAndBusyCallersStillBatch() throws Exception {
    try (CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu())) {
      int size = model.inputSpec().size();
      Random rnd = new Random(11);
      int callers = 4;
      float[][] inputs = new float[callers][];
      float[][] expected = new float[callers][];
      try (ModelRunner single = model.newRunner(1)) {
        for (int t = 0; t < callers; t++) {
          inputs[t] = randomImage(rnd, size);
          single.input().put(0, inputs[t], 0, size);
          single.run(1);
          expected[t] = new float[size];
          single.output().get(0, expected[t], 0, size);
        }
      }
      List<String> ranOn = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Integer> sizes = java.util.Collections.synchronizedList(new ArrayList<>());
      try (DynamicBatcher batcher = new DynamicBatcher(model, callers, 0, (n, nanos) -> {
        ranOn.add(Thread.currentThread().getName());
        sizes.add(n);
      })) {
        float[] out = new float[size];
        batcher.reconstruct(inputs[0], out);
        assertThat(out).containsExactly(expected[0], org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(ranOn).containsExactly(Thread.currentThread().getName());

        ranOn.clear();
        sizes.clear();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
          List<Future<Boolean>> results = new ArrayList<>();
          for (int t = 0; t < callers; t++) {
            final int id = t;
            results.add(pool.submit(() -> {
              boolean right = true;
              for (int round = 0; round < 200; round++) {
                float[] o = new float[size];
                batcher.reconstruct(inputs[id], o);
                for (int i = 0; i < size; i++) {
                  right &= Math.abs(o[i] - expected[id][i]) <= 1e-5;
                }
              }
              return right;
            }));
          }
          for (Future<Boolean> r : results) {
            assertThat(r.get(30, TimeUnit.SECONDS)).as("every caller got its own reconstruction").isTrue();
          }
        } finally {
          pool.shutdownNow();
        }
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(callers * 200);
        assertThat(ranOn).as("some ran inline on callers' threads").anyMatch(n -> !n.equals("cae-inference"));
        assertThat(ranOn).as("busy callers were batched by the inference thread").contains("cae-inference");
      }
    }
  }
  /**
   * Lanes bound the session calls that run at once, whoever runs them: one lane never overlaps
   * two calls; two lanes let two callers run side by side (both cores busy) and never three.
   */
  @Test
  @Timeout(120)
  void lanesBoundHowManySessionCallsOverlap() throws Exception {
    try (CaeModel model = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu())) {
      assertThat(mostAtOnce(model, 1, 4)).as("calls at once with one lane").isEqualTo(1);
      assertThat(mostAtOnce(model, 2, 4)).as("calls at once with two lanes").isEqualTo(2);
      assertThat(DynamicBatcher.lanesFor(model, 8)).as("8 cores over the model's intra-op threads")
          .isEqualTo(8 / model.intraOpThreads());
    }
  }

  /** The most session calls that overlapped in time while {@code callers} threads kept reconstructing. */
  private static int mostAtOnce(CaeModel model, int lanes, int callers) throws Exception {
    int size = model.inputSpec().size();
    try (DynamicBatcher batcher = new DynamicBatcher(model, callers, 0, BatchListener.NONE, lanes)) {
      ExecutorService pool = Executors.newFixedThreadPool(callers);
      try {
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
          results.add(pool.submit(() -> {
            float[] in = new float[size];
            float[] out = new float[size];
            for (int round = 0; round < 1500; round++) {
              batcher.reconstruct(in, out);
            }
            return null;
          }));
        }
        for (Future<?> r : results) {
          r.get(100, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      return batcher.mostConcurrentCalls();
    }
  }
}
