package io.caestream.dataset;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.zip.GZIPInputStream;

/** Reads the Fashion-MNIST IDX files and writes one-class anomaly sets in MVTec layout. */
public final class FashionMnist {
  public static final Path DEFAULT_IDX_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final List<String> CLASS_NAMES = List.of("t-shirt", "trouser", "pullover", "dress",
      "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot");

  /** Images and labels of one split. */
  public record Split(int count, int rows, int cols, byte[] pixels, byte[] labels) {
    public GreyImage image(int i) {
      float[] p = new float[rows * cols];
      int off = i * rows * cols;
      for (int j = 0; j < p.length; j++) {
        p[j] = (pixels[off + j] & 0xFF) / 255f;
      }
      return new GreyImage(cols, rows, p);
    }

    public int label(int i) {
      return labels[i];
    }
  }

  private final Path idxDir;

  public FashionMnist(Path idxDir) {
    this.idxDir = idxDir;
  }

  public Split read(String prefix) throws IOException {
    byte[] images = readIdx(find(prefix + "-images-idx3-ubyte"), 0x803);
    byte[] labels = readIdx(find(prefix + "-labels-idx1-ubyte"), 0x801);
    int count = labels.length;
    int side = (int) Math.round(Math.sqrt(images.length / (double) count));
    return new Split(count, side, side, images, labels);
  }

  /** Class {@code normalClass}'s train images to train/good, its test images to test/good, others to test/CLASS. */
  public void writeOneClass(int normalClass, Path out, IntConsumer progress) throws IOException {
    if (normalClass < 0 || normalClass >= CLASS_NAMES.size()) {
      throw new IllegalArgumentException("normal class must be 0..9, got " + normalClass);
    }
    MvtecLayout layout = new MvtecLayout(out);
    Split train = read("train");
    Split test = read("t10k");
    int done = 0;
    for (int i = 0; i < train.count(); i++) {
      if (train.label(i) == normalClass) {
        train.image(i).writePng(layout.trainGood().resolve(String.format("%05d.png", i)));
        progress.accept(++done);
      }
    }
    for (int i = 0; i < test.count(); i++) {
      int label = test.label(i);
      String folder = label == normalClass ? MvtecLayout.GOOD : CLASS_NAMES.get(label);
      test.image(i).writePng(layout.testDir(folder).resolve(String.format("%05d.png", i)));
      progress.accept(++done);
    }
  }

  private Path find(String stem) throws IOException {
    for (String name : List.of(stem, stem + ".gz", stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz")) {
      Path p = idxDir.resolve(name);
      if (Files.exists(p)) {
        return p;
      }
    }
    throw new IOException("no " + stem + "[.gz] in " + idxDir
        + " (install Debian's dataset-fashion-mnist or pass --idx-dir)");
  }

  private static byte[] readIdx(Path file, int magic) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(file.toString().endsWith(".gz")
            ? new GZIPInputStream(raw, 1 << 16) : new java.io.BufferedInputStream(raw, 1 << 16))) {
      int m = in.readInt();
      if (m != magic) {
        throw new IOException(file + ": bad IDX magic " + Integer.toHexString(m));
      }
      int dims = magic & 0xFF;
      long size = 1;
      for (int d = 0; d < dims; d++) {
        size *= in.readInt();
      }
      byte[] data = new byte[Math.toIntExact(size)];
      in.readFully(data);
      return data;
    }
  }
}
