package com.maticsapp.scan.data;

import com.maticsapp.scan.config.DatabaseConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.ClientBuilder;
import io.vertx.sqlclient.SqlClient;

/**
 * Builds the one database client of this process.
 *
 * <p>It is the pipelined pooled client ({@link PgBuilder#client()}): every statement is sent
 * on a shared connection without waiting for the previous one's result, so a single
 * connection serves many concurrent requests. Every operation of matic-scan is one statement
 * (data-modifying CTEs, unnest arrays, ON CONFLICT), so nothing needs a connection held across
 * round trips and the client's {@code maxSize} is the whole connection budget.
 */
public final class Database {

  private Database() {}

  /**
   * The client for one data verticle instance. With {@code shared}, instances built with the
   * same pool name share one pool, so the process never holds more than {@code maxSize}.
   */
  public static SqlClient client(Vertx vertx, DatabaseConfig config, boolean shared) {
    ClientBuilder<SqlClient> builder = PgBuilder.client()
        .with(config.poolOptions(shared))
        .with(config.transportOptions())
        .connectingTo(config.connectOptions())
        .using(vertx);
    if (DatabaseConfig.SESSION.equals(config.pooler()) && !config.statementTimeout().isZero()) {
      // A session pooler keeps this server connection for this client connection, so a
      // session setting made once holds for its whole life.
      String set = "SET statement_timeout = " + config.statementTimeout().toMillis();
      builder.withConnectHandler(connection -> connection.query(set).execute()
          .onComplete(done -> connection.close()));
    }
    return builder.build();
  }
}
