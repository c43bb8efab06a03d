package io.caestream.dataset;

import io.caestream.dataset.SyntheticSurfaces.Defect;
import io.caestream.dataset.SyntheticSurfaces.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/** Writes a synthetic set in MVTec layout: normals for training, normals and defects for test. */
public final class SyntheticDatasetWriter {
  private final SyntheticSurfaces generator;

  public SyntheticDatasetWriter(SyntheticSurfaces generator) {
    this.generator = generator;
  }

  /**
   * Writes {@code train} normal training images and {@code test} test images, half of them normal
   * and the rest spread evenly over the defect kinds, each defect with its mask.
   */
  public void write(Path out, int train, int test, IntConsumer progress) throws IOException {
    MvtecLayout layout = new MvtecLayout(out);
    int done = 0;
    for (int i = 0; i < train; i++) {
      generator.normal(i).image().writePng(layout.trainGood().resolve(name(i)));
      progress.accept(++done);
    }
    int goodTest = test - test / 2;
    // Test indices start past the training ones: no test picture repeats a training picture.
    long base = 1_000_000L;
    for (int i = 0; i < goodTest; i++) {
      generator.normal(base + i).image().writePng(layout.testDir(MvtecLayout.GOOD).resolve(name(i)));
      progress.accept(++done);
    }
    Defect[] kinds = Defect.values();
    for (int i = 0; i < test / 2; i++) {
      Defect d = kinds[i % kinds.length];
      Sample s = generator.defective(base + i, d);
      String file = name(i);
      s.image().writePng(layout.testDir(d.folder()).resolve(file));
      s.mask().writePng(layout.maskFile(d.folder(), file));
      progress.accept(++done);
    }
  }

  private static String name(int i) {
    return String.format("%04d.png", i);
  }
}
