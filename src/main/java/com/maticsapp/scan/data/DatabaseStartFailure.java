package com.maticsapp.scan.data;

import com.maticsapp.scan.config.DatabaseConfig;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * Why the database could not be used at start-up, in one line that says what to do: the
 * driver's own account (a Flyway box around an SQLSTATE) names the symptom, not the fix.
 * Never carries the password: only {@link DatabaseConfig#describe()}'s parts are quoted.
 */
public final class DatabaseStartFailure extends RuntimeException {

  private DatabaseStartFailure(String message) {
    super(message, null, false, false);
  }

  /** The one-line account of {@code failure} reaching the database of {@code config}. */
  public static DatabaseStartFailure explain(Throwable failure, DatabaseConfig config) {
    String where = config.host() + ":" + config.port();
    SQLException sql = find(failure, SQLException.class);
    String state = sql == null ? null : sql.getSQLState();
    String text = sql == null ? "" : String.valueOf(sql.getMessage());
    if ("08004".equals(state) && text.contains("does not support SSL")) {
      return new DatabaseStartFailure("the database server at " + where + " does not accept SSL connections but "
          + "database.sslMode is " + config.sslMode().value + ": on a network you trust, add ?sslmode=disable to "
          + "DATABASE_URL or set DB_SSL_MODE=disable; otherwise turn SSL on in the server (ssl = on)");
    }
    if ("3D000".equals(state)) {
      return new DatabaseStartFailure("database '" + config.database() + "' does not exist on " + where
          + ": create it (createdb -h " + config.host() + " -p " + config.port() + " -U " + config.user() + " "
          + config.database() + ", or CREATE DATABASE " + config.database() + "; in psql) or point DATABASE_URL at "
          + "a database that exists");
    }
    if ("28P01".equals(state) || "28000".equals(state)) {
      return new DatabaseStartFailure("the database server at " + where + " refused user '" + config.user()
          + "' (wrong password, or no pg_hba.conf entry for this host): check the user and password in DATABASE_URL");
    }
    if (find(failure, UnknownHostException.class) != null) {
      return new DatabaseStartFailure("the database host '" + config.host() + "' is unknown: check the host in DATABASE_URL");
    }
    if (find(failure, java.net.SocketTimeoutException.class) != null || text.contains("timed out")) {
      return new DatabaseStartFailure("the database at " + where + " did not answer within database.connectTimeout ("
          + config.connectTimeout().toMillis() + " ms): check the host and port in DATABASE_URL and that no firewall "
          + "drops the connection, or raise DB_CONNECT_TIMEOUT");
    }
    if (find(failure, ConnectException.class) != null || "08001".equals(state)) {
      return new DatabaseStartFailure("the connection to the database at " + where + " was refused (nothing listens "
          + "there): is PostgreSQL running? check the host and port in DATABASE_URL");
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new DatabaseStartFailure("the database " + config.describe() + " could not be migrated: "
        + firstLine(root.getMessage()) + (state == null ? "" : " (SQLSTATE " + state + ")"));
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable each = failure; each != null; each = each.getCause() == each ? null : each.getCause()) {
      if (type.isInstance(each)) {
        return type.cast(each);
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no message";
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
  }
}
