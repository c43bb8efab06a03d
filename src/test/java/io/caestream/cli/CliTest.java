package io.caestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline commands end to end, through the same entry point as the jar. */
class CliTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      var cl = Main.commandLine();
      cl.setOut(new java.io.PrintWriter(System.out, true));
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void datasetCalibrateScoreEvaluate(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("set");
    assertThat(run("dataset", "synthetic", "--out", data.toString(), "--seed", "5", "--train", "4", "--test", "40").code()).isZero();
    assertThat(data.resolve("train/good/0003.png")).exists();
    assertThat(data.resolve("ground_truth/hole")).isDirectory();

    // Calibrate a copy of the bundled model on this set's normals.
    Path model = dir.resolve("m.onnx");
    Files.copy(io.caestream.testing.ExternalTool.projectRoot().resolve("models/synthetic-surface.onnx"), model);
    Run cal = run("calibrate", "--model", model.toString(), "--data", data.toString());
    assertThat(cal.code()).as(cal.err()).isZero();
    JsonNode c = new ObjectMapper().readTree(dir.resolve("m.calibration.json").toFile());
    assertThat(c.get("threshold").asDouble()).isPositive();
    assertThat(c.get("images").asInt()).isEqualTo(20);
    assertThat(c.get("method").asText()).isEqualTo("smooth-max");
    assertThat(c.get("modelSha256").asText()).hasSize(64);
    for (String k : new String[] {"min", "mean", "std", "p50", "p99", "max"}) {
      assertThat(c.get("stats").has(k)).as(k).isTrue();
    }

    Run score = run("score", "--model", model.toString(), "--json", data.resolve("test/hole").toString());
    assertThat(score.code()).as(score.err()).isZero();
    JsonNode rows = new ObjectMapper().readTree(score.out());
    assertThat(rows.size()).isEqualTo(4);
    assertThat(rows.get(0).has("region")).isTrue();

    Path report = dir.resolve("eval.json");
    Run eval = run("evaluate", "--model", model.toString(), "--data", data.toString(), "--json", report.toString());
    assertThat(eval.code()).as(eval.err()).isZero();
    assertThat(eval.out()).contains("AUROC").contains("hole");
    JsonNode r = new ObjectMapper().readTree(report.toFile());
    assertThat(r.get("images").asInt()).isEqualTo(40);
    assertThat(r.get("imageAuroc").asDouble()).isBetween(0.0, 1.0);
    assertThat(r.has("pixelAuroc")).isTrue();
    assertThat(r.has("f1")).isTrue();
  }

  @Test
  void badConfigIsExitTwoWithOneLineNamingTheKey(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("bad.properties");
    Files.writeString(cfg, "model.provider=quantum\n");
    Run r = run("score", "--config", cfg.toString(), dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith("config error: model.provider:").doesNotContain("\n");
  }

  @Test
  void helpConfigListsKeysAndUsageErrorsAreExitTwo() {
    Run help = run("--help-config");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("model.batch.max").contains("kafka.*");
    assertThat(run("score").code()).isEqualTo(2);
    assertThat(run("no-such-command").code()).isEqualTo(2);
  }

  /** bench reads --config/--model/--method through the same mixin as score, calibrate, evaluate. */
  @Test
  void benchUsesTheSharedScorerOptions() {
    var bench = Main.commandLine().getSubcommands().get("bench").getCommandSpec();
    assertThat(bench.mixins()).containsKey("options");
    assertThat(bench.mixins().get("options").userObject()).isInstanceOf(ScorerOptions.class);
    assertThat(bench.findOption("--workers")).as("bench sizes its own caller threads").isNull();
    Run r = run("bench", "--config", "/nonexistent/cae.properties", "--method", "mse", "--no-e2e");
    assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--config").contains("/nonexistent/cae.properties");
  }

  @Test
  void benchRefusesAComparisonOfAnUnknownSettingBeforeMeasuringAnything() {
    Run r = run("bench", "--vary", "kafka.commit.interval.ms=fast,100", "--no-e2e");
    assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("commit.interval.ms").doesNotContain("raw ");
    Run bad = run("bench", "--vary", "stream.buffer.max");
    assertThat(bad.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(bad.err()).contains("--vary").contains("KEY=VALUE1,VALUE2");
  }

  @Test
  void benchRefusesANegativeWarmUpBeforeMeasuringAnything() {
    Run r = run("bench", "--warm-up", "-5", "--no-e2e");
    assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--warm-up").doesNotContain("raw ");
  }
}
