package io.caestream.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Log lines through the real slf4j API and the product's own binding, captured from stderr. */
class LogOutputTest {
  private static final String STATUS = "cae-stream serving images -> image-scores";
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    LogOutput.useFormat("text");
    System.setErr(oldErr);
  }

  private List<String> lines() {
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void slf4jIsBoundToTheProductsProvider() {
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LogProvider.class);
  }

  @Test
  void jsonIsOneObjectPerLineWithTheExceptionAsOneField() throws Exception {
    LogOutput.useFormat("json");
    Logger log = LoggerFactory.getLogger("io.caestream.test.Json");
    Exception boom = new IllegalStateException("boom \"quoted\"", new java.io.IOException("root\ncause"));
    log.error("image {} of {} failed:\n\tsee \\ above", 7, "line-3/cam-1", boom);
    log.warn("second \u0001 line");
    LogOutput.status(Level.INFO, "io.caestream.cli.ServeCommand", STATUS);

    List<String> lines = lines();
    assertThat(lines).as(captured.toString(StandardCharsets.UTF_8)).hasSize(3);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("ERROR");
    assertThat(first.path("logger").asText()).isEqualTo("io.caestream.test.Json");
    assertThat(first.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(first.path("message").asText()).isEqualTo("image 7 of line-3/cam-1 failed:\n\tsee \\ above");
    assertThat(first.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    String exception = first.path("exception").asText();
    assertThat(exception).startsWith("java.lang.IllegalStateException: boom \"quoted\"")
        .contains("\tat io.caestream.config.LogOutputTest").contains("Caused by: java.io.IOException: root\ncause");
    JsonNode second = json.readTree(lines.get(1));
    assertThat(second.path("message").asText()).isEqualTo("second \u0001 line");
    assertThat(second.has("exception")).as("no exception, no field").isFalse();
    JsonNode third = json.readTree(lines.get(2));
    assertThat(third.path("level").asText()).isEqualTo("INFO");
    assertThat(third.path("message").asText()).isEqualTo(STATUS);
  }

  @Test
  void textKeepsTheShortFormAndStatusLinesArePlain() {
    Logger log = LoggerFactory.getLogger("io.caestream.test.Text");
    log.warn("plain {}", "text");
    LogOutput.status(Level.INFO, "io.caestream.cli.ServeCommand", STATUS);
    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches("\\S+Z \\[WARN\\] Text - plain text");
    assertThat(lines.get(1)).isEqualTo(STATUS);
  }

  @Test
  void levelsComeFromTheLongestPrefix() {
    LoggerFactory.getLogger("io.caestream.test.Levels").info("below the default warn");
    LoggerFactory.getLogger("kafka.server.ReplicaManager").error("off");
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("kafka is at error");
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").error("shown");
    assertThat(lines()).singleElement().asString().endsWith("NetworkClient - shown");
    assertThat(LoggerFactory.getLogger("io.caestream.test.Levels").isWarnEnabled()).isTrue();
    assertThat(LoggerFactory.getLogger("io.caestream.test.Levels").isInfoEnabled()).isFalse();
  }
}
