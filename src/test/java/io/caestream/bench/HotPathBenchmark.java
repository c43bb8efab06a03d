package io.caestream.bench;

import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageLimits;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import io.caestream.scoring.ErrorMaps;
import io.caestream.scoring.GaussianSmoother;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-image CPU work around inference, one image at a time: PNG decode into the model's
 * float planes, the squared-error map, and the two smoothings. Run (see README, Performance):
 * {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main HotPath}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmark {
  @Param({"64", "256"})
  public int size;

  private byte[] png;
  private ImageDecoder decoder;
  private float[] input;
  private float[] recon;
  private float[] map;
  private float[] tmp;
  private float[] out;
  private final GaussianSmoother scoreSmoother = new GaussianSmoother(1.0);
  private final GaussianSmoother mapSmoother = new GaussianSmoother(2.0);

  @Setup
  public void setUp() throws ImageRejectedException {
    SyntheticSurfaces gen = new SyntheticSurfaces(size, 11, List.of(SyntheticSurfaces.Surface.values()));
    png = gen.normal(0).image().toPng();
    InputSpec spec = new InputSpec(1, size, size);
    decoder = new ImageDecoder(spec, ImageLimits.DEFAULT);
    input = new float[spec.size()];
    recon = new float[spec.size()];
    map = new float[spec.pixels()];
    tmp = new float[spec.pixels()];
    out = new float[spec.pixels()];
    decoder.decode(png, input);
    float[] other = new float[spec.size()];
    decoder.decode(gen.normal(1).image().toPng(), other);
    System.arraycopy(other, 0, recon, 0, other.length);
  }

  @Benchmark
  public float[] decodePng() throws ImageRejectedException {
    decoder.decode(png, input);
    return input;
  }

  @Benchmark
  public float[] errorMap() {
    ErrorMaps.squaredError(input, recon, 1, size * size, map);
    return map;
  }

  @Benchmark
  public float[] smoothSigma1() {
    scoreSmoother.smooth(map, size, size, tmp, out);
    return out;
  }

  @Benchmark
  public float[] smoothSigma2() {
    mapSmoother.smooth(map, size, size, tmp, out);
    return out;
  }
}
