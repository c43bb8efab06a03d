package io.caestream.scoring;

import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageHeader;
import io.caestream.image.Resize;
import io.caestream.image.ImageLimits;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntConsumer;

/**
 * Runs the serving path over a labelled MVTec-layout test set and reports image AUROC, AUPR, F1 at
 * the threshold in use, and pixel AUROC and AUPRO where masks exist, overall and per defect type.
 */
public final class Evaluator {
  private Evaluator() {}

  /** Per defect type: that type against the good images. */
  public record DefectReport(int images, double imageAuroc, Double pixelAuroc, Double aupro) {}

  /** F1, precision, recall and threshold are null when the method has no calibrated threshold. */
  public record Report(int images, int rejected, double imageAuroc, double imageAupr, Double f1,
      Double precision, Double recall, Double threshold, String method, Double pixelAuroc,
      Double aupro, Map<String, DefectReport> perDefect) {}

  public static Report evaluate(ImageScorer scorer, List<LabelledImage> images, int threads,
      IntConsumer progress) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no test images");
    }
    List<ParallelScoring.Outcome> outcomes = ParallelScoring.score(scorer,
        images.stream().map(LabelledImage::file).toList(), threads, true, progress);
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < outcomes.size(); i++) {
      if (outcomes.get(i).scored()) {
        kept.add(i);
      }
    }
    double[] scores = new double[kept.size()];
    boolean[] positive = new boolean[kept.size()];
    for (int k = 0; k < kept.size(); k++) {
      scores[k] = outcomes.get(kept.get(k)).result().score();
      positive[k] = images.get(kept.get(k)).anomalous();
    }
    boolean anyMask = images.stream().anyMatch(im -> im.mask().isPresent());
    Map<Integer, LabelledMap> labelled = anyMask ? labelledMaps(kept, images, outcomes) : Map.of();
    double threshold = scorer.settings().threshold();
    RankMetrics.AtThreshold at = RankMetrics.atThreshold(scores, positive, threshold);
    Map<String, DefectReport> perDefect = new LinkedHashMap<>();
    for (String label : new TreeSet<>(images.stream().map(LabelledImage::label).toList())) {
      if (label.equals(LabelledImage.GOOD)) {
        continue;
      }
      List<Integer> subset = kept.stream().filter(i -> {
        String l = images.get(i).label();
        return l.equals(label) || l.equals(LabelledImage.GOOD);
      }).toList();
      double[] s = subset.stream().mapToDouble(i -> outcomes.get(i).result().score()).toArray();
      boolean[] p = new boolean[subset.size()];
      for (int k = 0; k < subset.size(); k++) {
        p[k] = images.get(subset.get(k)).anomalous();
      }
      List<LabelledMap> maps = labelled.isEmpty() ? List.of() : subset.stream()
          .filter(labelled::containsKey).map(labelled::get).toList();
      perDefect.put(label, new DefectReport((int) subset.stream()
          .filter(i -> images.get(i).anomalous()).count(), RankMetrics.auroc(s, p),
          anyMask ? pixelAuroc(maps) : null, anyMask ? aupro(maps) : null));
    }
    List<LabelledMap> all = kept.stream().filter(labelled::containsKey).map(labelled::get).toList();
    return new Report(kept.size(), outcomes.size() - kept.size(), RankMetrics.auroc(scores, positive),
        RankMetrics.averagePrecision(scores, positive), orNull(at.f1(), threshold),
        orNull(at.precision(), threshold), orNull(at.recall(), threshold), orNull(threshold, threshold),
        scorer.settings().method().word(), anyMask ? pixelAuroc(all) : null, anyMask ? aupro(all) : null,
        perDefect);
  }

  private static Double orNull(double value, double threshold) {
    return Double.isNaN(threshold) ? null : value;
  }

  /**
   * Each scored image's anomaly map with its ground truth: good images count as all-normal pixels,
   * defect images without a mask are left out of the pixel metrics.
   */
  private static Map<Integer, LabelledMap> labelledMaps(List<Integer> which, List<LabelledImage> images,
      List<ParallelScoring.Outcome> outcomes) {
    Map<Integer, LabelledMap> out = new LinkedHashMap<>();
    for (int i : which) {
      LabelledImage image = images.get(i);
      if (image.anomalous() && image.mask().isEmpty()) {
        continue;
      }
      // Pixel metrics are taken at the image's own size, the frame's: a map of the resized image
      // is scaled up to it, so resize and tile are judged on the same pixels.
      AnomalyMap map = outcomes.get(i).map();
      ImageHeader frame = outcomes.get(i).result().source();
      int w = frame.width();
      int h = frame.height();
      float[] values = map.values();
      if (map.width() != w || map.height() != h) {
        values = new float[w * h];
        Resize.resize(map.values(), map.width(), map.height(), 1, values, w, h,
            new float[Resize.scratchSize(map.width(), map.height(), 1, w)]);
      }
      byte[] labels = new byte[w * h];
      if (image.mask().isPresent()) {
        InputSpec spec = new InputSpec(1, h, w);
        float[] mask = new float[spec.pixels()];
        try {
          new ImageDecoder(spec, ImageLimits.DEFAULT).decode(Files.readAllBytes(image.mask().get()), mask);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (ImageRejectedException e) {
          throw new IllegalArgumentException("mask " + image.mask().get() + ": " + e.getMessage(), e);
        }
        for (int j = 0; j < labels.length; j++) {
          labels[j] = (byte) (mask[j] > 0.5f ? 1 : 0);
        }
      }
      out.put(i, new LabelledMap(values, labels, w, h));
    }
    return out;
  }

  private static Double pixelAuroc(List<LabelledMap> maps) {
    int n = maps.stream().mapToInt(LabelledMap::pixels).sum();
    float[] values = new float[n];
    byte[] labels = new byte[n];
    int k = 0;
    for (LabelledMap m : maps) {
      System.arraycopy(m.map(), 0, values, k, m.pixels());
      System.arraycopy(m.mask(), 0, labels, k, m.pixels());
      k += m.pixels();
    }
    double auc = RankMetrics.auroc(values, labels, n);
    return Double.isNaN(auc) ? null : auc;
  }

  private static Double aupro(List<LabelledMap> maps) {
    double a = RegionOverlap.aupro(maps, RegionOverlap.MVTEC_MAX_FPR);
    return Double.isNaN(a) ? null : a;
  }
}
