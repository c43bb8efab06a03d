package io.caestream.cli;

import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.config.LogOutput;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.event.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve --config FILE}: the production scorer against an existing cluster.
 *
 * <p>Exit codes: 2 for a bad config (checked before anything connects), 1 when start-up fails
 * (model, Kafka unreachable, authentication) or Kafka Streams stops after repeated failures, 0 after
 * SIGTERM/SIGINT once Kafka Streams has committed and closed within {@code shutdown.timeout.ms}
 * (1 if it could not: the process exits anyway at that deadline).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the scorer against an existing Kafka cluster.")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", description = "Properties file; CAE_* environment variables override it.")
  Path config;

  @Override
  public Integer call() throws Exception {
    CaeConfig c = CaeConfig.load(config, System.getenv());
    ScorerApp app = ScorerApp.start(c);
    long timeoutMs = c.longValue(CaeConfig.SHUTDOWN_TIMEOUT_MS);
    Thread hook = new Thread(() -> stopOnSignal(app, timeoutMs), "cae-stream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    status(Level.INFO, "cae-stream serving %s -> %s; http on %s port %d", c.string(CaeConfig.INPUT_TOPIC),
        c.string(CaeConfig.SCORES_TOPIC), c.string(CaeConfig.HTTP_HOST), app.httpPort());
    app.awaitStop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException signalled) {
      // A signal started the JVM's shutdown: the hook owns the exit code; wait for it to halt.
      Thread.currentThread().join();
    }
    boolean failed = app.failed();
    app.close();
    if (failed) {
      status(Level.ERROR, "error: Kafka Streams stopped after repeated failures (see the log above)");
      return Main.EXIT_RUNTIME;
    }
    return Main.EXIT_OK;
  }

  /**
   * The shutdown hook: commit and close within {@code shutdown.timeout.ms}, then end the process
   * with 0 (clean) or 1 (not clean, or past the deadline). Halting is what makes a SIGTERM exit 0
   * instead of the JVM's 143, and bounds the exit even if closing hangs.
   */
  private static void stopOnSignal(ScorerApp app, long timeoutMs) {
    long start = System.nanoTime();
    status(Level.INFO, "cae-stream: stopping (signal); committing and closing within %d ms", timeoutMs);
    boolean[] clean = {false};
    Thread closer = new Thread(() -> clean[0] = app.shutdown(), "cae-stream-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (closer.isAlive()) {
      status(Level.ERROR, "error: shutdown did not finish within shutdown.timeout.ms=%d; exiting anyway", timeoutMs);
      Runtime.getRuntime().halt(Main.EXIT_RUNTIME);
    }
    if (clean[0]) {
      status(Level.INFO, "cae-stream: stopped cleanly in %d ms", ms);
    } else {
      status(Level.ERROR, "error: Kafka Streams did not close cleanly within %d ms", timeoutMs);
    }
    System.err.flush();
    System.out.flush();
    Runtime.getRuntime().halt(clean[0] ? Main.EXIT_OK : Main.EXIT_RUNTIME);
  }

  /** Operator lines: plain text, or log objects with log.format=json. */
  private static void status(Level level, String format, Object... args) {
    LogOutput.status(level, ServeCommand.class.getName(), String.format(format, args));
  }
}
