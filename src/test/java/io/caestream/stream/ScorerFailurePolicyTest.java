package io.caestream.stream;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.testing.ManualClock;
import org.junit.jupiter.api.Test;

class ScorerFailurePolicyTest {
  @Test
  void replacesThreadsUpToTheLimitThenShutsTheClientDown() {
    ScorerFailurePolicy policy = new ScorerFailurePolicy(3, 600_000, new ManualClock());
    RuntimeException boom = new RuntimeException("ORT failed");
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(boom)).isEqualTo(SHUTDOWN_CLIENT);
  }

  @Test
  void failuresOutsideTheWindowAreForgotten() {
    ManualClock clock = new ManualClock();
    ScorerFailurePolicy policy = new ScorerFailurePolicy(1, 50, clock);
    RuntimeException boom = new RuntimeException("transient");
    assertThat(policy.handle(boom)).isEqualTo(REPLACE_THREAD);
    clock.advance(50);
    assertThat(policy.handle(boom)).as("still inside the window at its edge").isEqualTo(SHUTDOWN_CLIENT);
    clock.advance(1);
    assertThat(policy.handle(boom)).as("the first failure has left the window").isEqualTo(REPLACE_THREAD);
  }
}
