package io.caestream.stream;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScorerFailurePolicyTest {
  @Test
  void replacesThreadsUpToTheLimitThenShutsTheClientDown() {
    ScorerFailurePolicy policy = new ScorerFailurePolicy(3, 600_000);
    RuntimeException boom = new RuntimeException("ORT failed");
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(SHUTDOWN_CLIENT);
  }

  @Test
  void failuresOutsideTheWindowAreForgotten() throws InterruptedException {
    ScorerFailurePolicy policy = new ScorerFailurePolicy(1, 50);
    RuntimeException boom = new RuntimeException("transient");
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(SHUTDOWN_CLIENT);
    Thread.sleep(120);
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
  }
}
