package io.caestream.cli;

import picocli.CommandLine;

/** Version from the jar manifest (falls back to "dev" when run from classes). */
public final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"cae-stream " + (v == null ? "dev" : v)};
  }
}
