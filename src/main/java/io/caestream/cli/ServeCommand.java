package io.caestream.cli;

import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve --config FILE}: the production scorer against an existing cluster. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the scorer against an existing Kafka cluster.")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", description = "Properties file; CAE_* environment variables override it.")
  Path config;

  @Override
  public Integer call() throws Exception {
    CaeConfig c = CaeConfig.load(config, System.getenv());
    ScorerApp app = ScorerApp.start(c);
    Thread hook = new Thread(app::close, "cae-stream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    System.err.printf("cae-stream serving %s -> %s; http on port %d%n", c.string(CaeConfig.INPUT_TOPIC),
        c.string(CaeConfig.SCORES_TOPIC), app.httpPort());
    app.awaitStop();
    if (app.failed()) {
      System.err.println("error: Kafka Streams stopped after repeated failures (see the log above)");
      return Main.EXIT_RUNTIME;
    }
    return Main.EXIT_OK;
  }
}
