package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.testing.ManualClock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The readiness rule on a clock the test moves: failing and stalled streams are not ready. */
class StreamHealthTest {
  private static final long STALL = 60_000;
  private final ManualClock clock = new ManualClock();
  private final StreamHealth health = new StreamHealth(clock, STALL);

  @Test
  void committingThreadsAreHealthyAndAnIdleLineToo() {
    assertThat(health.check(Map.of("t1", 0.0), 0)).isNull();
    clock.advance(10 * STALL);
    assertThat(health.check(Map.of("t1", 0.0), 0)).as("idle: nothing waits").isNull();
    for (int i = 1; i <= 5; i++) {
      clock.advance(STALL / 2);
      assertThat(health.check(Map.of("t1", (double) i), 500)).as("lag, but commits").isNull();
    }
  }

  /**
   * The crash loop of issue 14: each replaced thread fails again on the same record, Kafka
   * Streams is RUNNING in between, nothing commits. Not ready from the first failure on.
   */
  @Test
  void threadsThatKeepFailingWithoutCommittingAreFailing() {
    assertThat(health.check(Map.of("t1", 3.0), 20)).isNull();
    // t1 committed once more before it died: that commit is before the failure, not progress after it.
    health.threadFailed(Map.of("t1", 4.0));
    assertThat(health.check(Map.of("t1", 4.0), 20)).isEqualTo(StreamHealth.FAILING);
    clock.advance(500);
    assertThat(health.check(Map.of("t2", 0.0), 20)).as("replacement thread, no commit yet").isEqualTo(StreamHealth.FAILING);
    health.threadFailed(Map.of("t2", 0.0));
    clock.advance(10 * STALL);
    assertThat(health.check(Map.of("t3", 0.0), 20)).as("still failing while records wait").isEqualTo(StreamHealth.FAILING);
    clock.advance(100);
    assertThat(health.check(Map.of("t3", 1.0), 20)).as("the replacement committed").isNull();
  }

  @Test
  void aFailureWithNothingWaitingIsForgivenAfterTheStallTime() {
    health.check(Map.of("t1", 2.0), 0);
    health.threadFailed(Map.of("t1", 2.0));
    clock.advance(STALL - 1);
    assertThat(health.check(Map.of("t2", 0.0), 0)).isEqualTo(StreamHealth.FAILING);
    clock.advance(1);
    assertThat(health.check(Map.of("t2", 0.0), 0)).isNull();
  }

  @Test
  void lagWithoutCommitsForTheStallTimeIsStalled() {
    assertThat(health.check(Map.of("t1", 7.0), 0)).isNull();
    clock.advance(10 * STALL);
    assertThat(health.check(Map.of("t1", 7.0), 40)).as("records just arrived after a quiet hour").isNull();
    clock.advance(STALL - 1);
    assertThat(health.check(Map.of("t1", 7.0), 40)).isNull();
    clock.advance(1);
    assertThat(health.check(Map.of("t1", 7.0), 40)).isEqualTo(StreamHealth.STALLED);
    clock.advance(1);
    assertThat(health.check(Map.of("t1", 8.0), 40)).as("a commit ends it").isNull();
  }
}
