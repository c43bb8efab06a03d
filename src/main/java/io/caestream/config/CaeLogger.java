package io.caestream.config;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An slf4j logger writing through {@link LogOutput}; its level is fixed when it is made. */
final class CaeLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  private final int threshold;

  CaeLogger(String name) {
    this.name = name;
    this.threshold = LogOutput.threshold(name);
  }

  private boolean on(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return on(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return on(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return on(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return on(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return on(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
      Throwable error) {
    LogOutput.write(level, name, MessageFormatter.basicArrayFormat(pattern, args), error);
  }
}
