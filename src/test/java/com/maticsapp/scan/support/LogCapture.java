package com.maticsapp.scan.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** The events one logger (and its children) logs while the capture runs; close it to detach. */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  public static LogCapture of(Class<?> loggerClass) {
    return new LogCapture((Logger) LoggerFactory.getLogger(loggerClass));
  }

  public static LogCapture of(String loggerName) {
    return new LogCapture((Logger) LoggerFactory.getLogger(loggerName));
  }

  /** The formatted messages logged so far at {@code level} ("WARN", "ERROR", ...). */
  public List<String> messages(String level) {
    synchronized (appender) {
      return appender.list.stream()
          .filter(event -> event.getLevel().toString().equals(level))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  public void clear() {
    synchronized (appender) {
      appender.list.clear();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
