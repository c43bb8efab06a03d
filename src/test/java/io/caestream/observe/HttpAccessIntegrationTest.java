package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The viewer's access keys through the real scorer (config -> ScorerApp -> HTTP): off unless
 * {@code http.viewer.enabled}, and behind {@code http.auth.user}/{@code http.auth.password}.
 */
class HttpAccessIntegrationTest {
  private static final String PASSWORD = "line-3-viewer-pw";

  @Test
  void serveKeepsTheViewerOffByDefault() throws Exception {
    try (RunningScorer scorer = RunningScorer.start(Map.of())) {
      scorer.awaitReady(Duration.ofSeconds(60));
      assertThat(scorer.get("/").statusCode()).isEqualTo(404);
      assertThat(scorer.get("/api/anomalies").statusCode()).isEqualTo(404);
      assertThat(scorer.get("/metrics").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anEnabledViewerWithAuthNeedsTheConfiguredCredentials() throws Exception {
    try (RunningScorer scorer = RunningScorer.start(Map.of(CaeConfig.HTTP_VIEWER_ENABLED, "true",
        CaeConfig.HTTP_AUTH_USER, "qa", CaeConfig.HTTP_AUTH_PASSWORD, PASSWORD))) {
      scorer.awaitReady(Duration.ofSeconds(60));
      String right = "Basic " + Base64.getEncoder().encodeToString(("qa:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      String wrong = "Basic " + Base64.getEncoder().encodeToString("qa:guess".getBytes(StandardCharsets.UTF_8));
      assertThat(scorer.get("/").statusCode()).isEqualTo(401);
      assertThat(scorer.get("/", "Authorization", wrong).statusCode()).isEqualTo(401);
      assertThat(scorer.get("/", "Authorization", right).statusCode()).isEqualTo(200);
      assertThat(scorer.get("/api/anomalies", "Authorization", right).statusCode()).isEqualTo(200);
      assertThat(scorer.get("/health/ready").statusCode()).as("probes need no credentials").isEqualTo(200);
      assertThat(scorer.get("/metrics").body()).doesNotContain(PASSWORD);
    }
  }
}
