package io.caestream.cli;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code cae-stream} command line; commands only parse arguments and call into the product. */
@Command(name = "cae-stream", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Streaming visual anomaly detection with a convolutional autoencoder.",
    subcommands = {DemoCommand.class, ServeCommand.class, ProduceCommand.class, ScoreCommand.class, CalibrateCommand.class, EvaluateCommand.class, DatasetCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_RUNTIME = 1;
  public static final int EXIT_USAGE = 2;

  @Option(names = "--help-config", description = "Print every config key with type, default and description.")
  boolean helpConfig;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    if (helpConfig) {
      spec.commandLine().getOut().print(CaeConfig.help());
      spec.commandLine().getOut().flush();
      return;
    }
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (tests call this instead of main). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      Throwable root = ex;
      while (!(root instanceof ConfigException) && root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (root instanceof ConfigException ce) {
        err.println("config error: " + ce.getMessage());
        err.flush();
        return EXIT_USAGE;
      }
      err.println("error: " + describe(ex));
      if (Boolean.getBoolean("cae.debug")) {
        ex.printStackTrace(err);
      }
      err.flush();
      return EXIT_RUNTIME;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("usage error: " + ex.getMessage());
      err.flush();
      return EXIT_USAGE;
    });
    return cl;
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
  }
}
