package io.caestream.model;

import io.caestream.image.InputSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Triton-style dynamic batching across caller threads. Each caller (a stream thread, a CLI
 * worker) hands in one image and blocks until its own reconstruction is back, so a caller never
 * moves on, and Kafka never commits an offset, for an image that was not scored. One inference
 * thread takes whatever is waiting, up to {@code maxBatch} images, optionally waiting up to
 * {@code maxDelay} for a batch to fill, and runs it in one session call.
 *
 * <p>Batch size therefore follows the number of concurrent callers: with T stream threads no
 * batch is larger than T; a delay only helps when callers arrive staggered.
 *
 * <p>Without a delay, a caller that finds nothing queued and a free lane (below) runs its image
 * itself, on its own thread: handing one image to the inference thread and being woken again
 * costs two thread wake-ups (about 100 us on a loaded 2-core machine, as much as the inference
 * of a 64x64 image), and a batch of one gains nothing from the hand-off. Callers that find the
 * queue non-empty or every lane busy queue up and form batches as before.
 *
 * <p><b>Lanes.</b> At most {@code lanes} session calls run at once (the inference thread's batch
 * and callers running inline). On CPU that is the cores divided by the intra-op threads, so that
 * session calls together use every core and no more: with one lane, four stream threads on two
 * cores left a fifth of the CPU idle, each thread parked most of the time behind the one running
 * call. A GPU gets one lane: it wants the batches, and it runs one kernel stream anyway.
 */
public final class DynamicBatcher implements AutoCloseable {
  private final CaeModel model;
  private final int maxBatch;
  private final long maxDelayNanos;
  private final BatchListener listener;
  private final BlockingQueue<Request> queue;
  private final Thread worker;
  private final ModelRunner runner;
  /** One permit per session call that may run at once: the inference thread's or an inline one. */
  private final Semaphore lanes;
  private final int laneCount;
  /** Batch-of-one runners for callers running inline: as many as there are lanes. */
  private final ConcurrentLinkedQueue<ModelRunner> inlineRunners = new ConcurrentLinkedQueue<>();
  /** Session calls running now, and the most there ever were (what the lanes bound; tests read it). */
  private final AtomicInteger inCall = new AtomicInteger();
  private final AtomicInteger mostInCall = new AtomicInteger();
  private volatile boolean closed;

  private static final class Request {
    final float[] input;
    final float[] output;
    final Thread caller = Thread.currentThread();
    volatile boolean done;
    volatile RuntimeException failure;

    Request(float[] input, float[] output) {
      this.input = input;
      this.output = output;
    }
  }

  public DynamicBatcher(CaeModel model, int maxBatch, long maxDelayMillis, BatchListener listener) {
    this(model, maxBatch, maxDelayMillis, listener, lanesFor(model, Runtime.getRuntime().availableProcessors()));
  }

  /** With {@code lanes} session calls at most at once (see the class comment). */
  public DynamicBatcher(CaeModel model, int maxBatch, long maxDelayMillis, BatchListener listener, int lanes) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    if (lanes < 1) {
      throw new IllegalArgumentException("lanes must be at least 1");
    }
    this.laneCount = lanes;
    this.lanes = new Semaphore(lanes);
    this.model = model;
    this.maxBatch = maxBatch;
    this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
    this.listener = listener;
    this.queue = new ArrayBlockingQueue<>(Math.max(64, maxBatch * 4));
    // Made here, so that a batch size the model or memory cannot take fails start-up, not a caller.
    this.runner = model.newRunner(maxBatch);
    for (int i = 0; i < lanes; i++) {
      inlineRunners.add(model.newRunner(1));
    }
    this.worker = new Thread(this::loop, "cae-inference");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** CPU: the cores over the intra-op threads, at least one; GPUs: one. */
  static int lanesFor(CaeModel model, int cores) {
    return model.provider().provider() == ExecutionProvider.CPU
        ? Math.max(1, cores / Math.max(1, model.intraOpThreads())) : 1;
  }

  /** How many session calls may run at once. */
  public int lanes() {
    return laneCount;
  }

  public InputSpec inputSpec() {
    return model.inputSpec();
  }

  public CaeModel model() {
    return model;
  }

  /** The inference thread (tests stop it to see that callers are told instead of waiting forever). */
  Thread workerThread() {
    return worker;
  }

  /**
   * Reconstructs one image: {@code input} and {@code output} hold {@code inputSpec().size()}
   * floats. Blocks until done.
   *
   * @throws ModelFailureException when the model fails or the batcher is closed
   */
  public void reconstruct(float[] input, float[] output) {
    if (maxDelayNanos == 0 && queue.isEmpty() && lanes.tryAcquire()) {
      // As many runners as permits: a permit holder always finds one.
      ModelRunner inline = inlineRunners.poll();
      try {
        runInline(inline, input, output);
        return;
      } finally {
        inlineRunners.add(inline);
        lanes.release();
      }
    }
    await(enqueue(input, output));
  }

  private void runInline(ModelRunner inline, float[] input, float[] output) {
    if (closed) {
      throw new ModelFailureException("the model is closed", null);
    }
    if (!worker.isAlive()) {
      throw new ModelFailureException("the inference thread has stopped", null);
    }
    int size = model.inputSpec().size();
    try {
      inline.input().put(0, input, 0, size);
      long start = System.nanoTime();
      run(inline, 1);
      listener.batchDone(1, System.nanoTime() - start);
      inline.output().get(0, output, 0, size);
    } catch (ModelFailureException e) {
      throw e;
    } catch (Throwable e) {
      throw new ModelFailureException("inference failed: " + e, e);
    }
  }

  /**
   * Reconstructs {@code n} images (the tiles of one frame) and blocks until all are done: they
   * join the queue together, so they fill batches of up to {@link #maxBatch()} with each other
   * and with other callers' images.
   */
  public void reconstruct(float[][] inputs, float[][] outputs, int n) {
    Request[] requests = new Request[n];
    for (int i = 0; i < n; i++) {
      requests[i] = enqueue(inputs[i], outputs[i]);
    }
    ModelFailureException failure = null;
    for (Request r : requests) {
      try {
        await(r);
      } catch (ModelFailureException e) {
        // wait for the rest anyway: the worker writes into their arrays
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The largest batch one session call runs. */
  public int maxBatch() {
    return maxBatch;
  }

  private Request enqueue(float[] input, float[] output) {
    if (closed) {
      throw new ModelFailureException("the model is closed", null);
    }
    Request r = new Request(input, output);
    try {
      queue.put(r);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelFailureException("interrupted while queueing an image for inference", e);
    }
    if (!worker.isAlive()) {
      failPending();
    }
    return r;
  }

  private void await(Request r) {
    boolean interrupted = false;
    while (!r.done) {
      LockSupport.parkNanos(this, 100_000_000L);
      if (!r.done && !worker.isAlive()) {
        failPending();
      }
      if (Thread.interrupted()) {
        // Finish the wait: the worker writes into our arrays and must not outlive this call.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (r.failure != null) {
      throw r.failure;
    }
  }

  private void loop() {
    List<Request> batch = new ArrayList<>(maxBatch);
    int size = model.inputSpec().size();
    try {
      FloatBuffer in = runner.input();
      FloatBuffer out = runner.output();
      while (!closed || !queue.isEmpty()) {
        Request first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        fill(batch);
        RuntimeException failure = null;
        lanes.acquireUninterruptibly();
        try {
          for (int i = 0; i < batch.size(); i++) {
            in.put(i * size, batch.get(i).input, 0, size);
          }
          long start = System.nanoTime();
          run(runner, batch.size());
          listener.batchDone(batch.size(), System.nanoTime() - start);
          for (int i = 0; i < batch.size(); i++) {
            out.get(i * size, batch.get(i).output, 0, size);
          }
        } catch (Throwable e) {
          // Every caller of the batch is told; a caller must never wait for a batch that died.
          failure = e instanceof ModelFailureException mfe ? mfe
              : new ModelFailureException("inference failed: " + e, e);
        } finally {
          lanes.release();
        }
        for (Request r : batch) {
          r.failure = failure;
          r.done = true;
          LockSupport.unpark(r.caller);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      failPending();
      // Callers may be running inline; close the runners after their calls.
      lanes.acquireUninterruptibly(laneCount);
      try {
        runner.close();
        inlineRunners.forEach(ModelRunner::close);
      } finally {
        lanes.release(laneCount);
      }
    }
  }

  private void run(ModelRunner r, int n) {
    mostInCall.accumulateAndGet(inCall.incrementAndGet(), Math::max);
    try {
      r.run(n);
    } finally {
      inCall.decrementAndGet();
    }
  }

  /** The most session calls that ever ran at once. */
  int mostConcurrentCalls() {
    return mostInCall.get();
  }

  private void fill(List<Request> batch) throws InterruptedException {
    queue.drainTo(batch, maxBatch - batch.size());
    if (maxDelayNanos <= 0) {
      return;
    }
    long deadline = System.nanoTime() + maxDelayNanos;
    while (batch.size() < maxBatch) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Request next = queue.poll(left, TimeUnit.NANOSECONDS);
      if (next == null) {
        return;
      }
      batch.add(next);
      queue.drainTo(batch, maxBatch - batch.size());
    }
  }

  private void failPending() {
    Request r;
    while ((r = queue.poll()) != null) {
      r.failure = new ModelFailureException("the model was closed before this image ran", null);
      r.done = true;
      LockSupport.unpark(r.caller);
    }
  }

  /** Stops the inference thread after the queued images; later calls fail. */
  @Override
  public void close() {
    closed = true;
    try {
      worker.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
