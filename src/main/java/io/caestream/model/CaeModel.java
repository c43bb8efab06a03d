package io.caestream.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.caestream.image.InputSpec;
import java.util.Arrays;
import java.util.Map;

/**
 * A loaded CAE: the ONNX Runtime session, its metadata and the provider it really runs on.
 * Loading checks everything that could go wrong later (not ONNX, several inputs, output shape
 * other than input shape, metadata missing or disagreeing with the graph) and fails with a
 * message that says which. One session is shared by all threads; each thread runs through its
 * own {@link ModelRunner}.
 */
public final class CaeModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelMetadata metadata;
  private final ProviderSelection.Choice provider;
  private final String inputName;
  private final String outputName;

  private final int intraOpThreads;

  private CaeModel(OrtEnvironment env, OrtSession session, ModelMetadata metadata,
      ProviderSelection.Choice provider, String inputName, String outputName, int intraOpThreads) {
    this.intraOpThreads = intraOpThreads;
    this.env = env;
    this.session = session;
    this.metadata = metadata;
    this.provider = provider;
    this.inputName = inputName;
    this.outputName = outputName;
  }

  public static CaeModel load(ModelSource source, ModelOptions options) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    byte[] bytes = source.modelBytes();
    OrtSession session;
    ProviderSelection.Choice choice;
    int threads;
    try (SessionOptions so = new SessionOptions()) {
      so.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
      threads = intraOpThreads(options.intraOpThreads(), Runtime.getRuntime().availableProcessors());
      so.setIntraOpNumThreads(threads);
      // One inference thread feeds the session; spinning workers would steal the stream threads' cores.
      so.addConfigEntry("session.intra_op.allow_spinning", "0");
      choice = ProviderSelection.choose(options.provider(), options.fallback(),
          p -> install(so, p, options));
      session = env.createSession(bytes, so);
    } catch (OrtException e) {
      throw new ModelLoadException(source.name() + " is not a loadable ONNX model: " + e.getMessage(), e);
    }
    try {
      ModelMetadata meta = ModelMetadata.from(session.getMetadata().getCustomMetadata(),
          source.name(), ModelSource.sha256(bytes));
      String[] io = checkShapes(session, meta.input(), source.name());
      return new CaeModel(env, session, meta, choice, io[0], io[1], threads);
    } catch (OrtException | RuntimeException e) {
      closeQuietly(session);
      if (e instanceof ModelLoadException mle) {
        throw mle;
      }
      throw new ModelLoadException(source.name() + ": " + e.getMessage(), e);
    }
  }

  private static void install(SessionOptions so, ExecutionProvider p, ModelOptions o) throws OrtException {
    switch (p) {
      case CUDA -> {
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(o.cudaDevice())) {
          cuda.add("arena_extend_strategy", o.cudaArenaExtendStrategy());
          cuda.add("cudnn_conv_algo_search", o.cudnnConvAlgoSearch().toUpperCase(java.util.Locale.ROOT));
          if (o.cudaMemoryLimitBytes() > 0) {
            cuda.add("gpu_mem_limit", Long.toString(o.cudaMemoryLimitBytes()));
          }
          so.addCUDA(cuda);
        }
      }
      case TENSORRT -> {
        try (OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(o.cudaDevice())) {
          trt.add("trt_fp16_enable", o.tensorrtFp16() ? "1" : "0");
          if (!o.tensorrtEngineCacheDir().isEmpty()) {
            trt.add("trt_engine_cache_enable", "1");
            trt.add("trt_engine_cache_path", o.tensorrtEngineCacheDir());
          }
          so.addTensorrt(trt);
        }
        // Nodes TensorRT cannot take run on CUDA rather than on the CPU.
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(o.cudaDevice())) {
          so.addCUDA(cuda);
        }
      }
      case CPU -> { }
    }
  }

  private static String[] checkShapes(OrtSession session, InputSpec spec, String name) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    if (inputs.size() != 1 || outputs.size() != 1) {
      throw new ModelLoadException(name + " must have one input and one output, it has "
          + inputs.size() + " and " + outputs.size());
    }
    NodeInfo in = inputs.values().iterator().next();
    NodeInfo out = outputs.values().iterator().next();
    long[] inShape = ((TensorInfo) in.getInfo()).getShape();
    long[] outShape = ((TensorInfo) out.getInfo()).getShape();
    long[] expected = {spec.channels(), spec.height(), spec.width()};
    if (inShape.length != 4 || !Arrays.equals(Arrays.copyOfRange(inShape, 1, 4), expected)) {
      throw new ModelLoadException(name + " input shape " + Arrays.toString(inShape)
          + " disagrees with its metadata [N, " + spec.channels() + ", " + spec.height() + ", "
          + spec.width() + "]");
    }
    if (outShape.length != 4 || !Arrays.equals(Arrays.copyOfRange(outShape, 1, 4), expected)) {
      throw new ModelLoadException(name + " output shape " + Arrays.toString(outShape)
          + " differs from its input shape " + Arrays.toString(inShape)
          + ": an autoencoder must reconstruct its input at the same size");
    }
    return new String[] {in.getName(), out.getName()};
  }

  /**
   * Intra-op threads when not configured: half the cores (at least one). The other half decodes
   * and post-processes the images of the next batch while this one runs; measured on 2 cores,
   * one intra-op thread gave 13.3k img/s on the scoring path against 11.1k with two.
   */
  static int intraOpThreads(int configured, int cores) {
    return configured > 0 ? configured : Math.max(1, cores / 2);
  }

  public int intraOpThreads() {
    return intraOpThreads;
  }

  /** A runner for batches of up to {@code maxBatch}; the caller closes it, on the same thread. */
  public ModelRunner newRunner(int maxBatch) {
    return new ModelRunner(env, session, inputName, outputName, metadata.input(), maxBatch);
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  public InputSpec inputSpec() {
    return metadata.input();
  }

  /** The provider the session really runs on (CPU after a fallback). */
  public ProviderSelection.Choice provider() {
    return provider;
  }

  private static void closeQuietly(OrtSession s) {
    try {
      s.close();
    } catch (OrtException ignored) {
      // Already failing; the first error is the one to report.
    }
  }

  @Override
  public void close() {
    closeQuietly(session);
  }
}
