package io.caestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Helm can only read files inside the chart, so the chart holds copies of the alert rules and the
 * Grafana dashboard. deploy/ has the originals; the copies must stay byte-identical (refresh them
 * with helm/sync-files.sh).
 */
class ChartFilesTest {

  static final Path ROOT = ExternalTool.projectRoot();

  @ParameterizedTest(name = "{1} is a copy of {0}")
  @CsvSource({
    "deploy/prometheus/cae-stream.rules.yaml, helm/cae-stream/files/cae-stream.rules.yaml",
    "deploy/grafana/cae-stream.json,          helm/cae-stream/files/cae-stream.json",
  })
  void chartCopyIsByteIdenticalToTheOriginal(String original, String copy) throws IOException {
    Path src = ROOT.resolve(original);
    Path dst = ROOT.resolve(copy);
    assertThat(src).as("the original %s", original).isRegularFile();
    assertThat(dst).as("the chart's copy %s", copy).isRegularFile();
    assertThat(Files.mismatch(src, dst))
        .as("%s differs from %s at this byte: run helm/sync-files.sh", copy, original)
        .isEqualTo(-1L);
  }

  @org.junit.jupiter.api.Test
  void syncScriptNamesBothFiles() throws IOException {
    Path script = ROOT.resolve("helm/sync-files.sh");
    assertThat(script).isRegularFile().isExecutable();
    assertThat(Files.readString(script))
        .contains("deploy/prometheus/cae-stream.rules.yaml:helm/cae-stream/files/cae-stream.rules.yaml")
        .contains("deploy/grafana/cae-stream.json:helm/cae-stream/files/cae-stream.json");
  }
}
