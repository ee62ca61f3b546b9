package com.maticsapp.scan.data;

import com.maticsapp.scan.config.DatabaseConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned migrations in classpath:db/migration with Flyway, over a short-lived
 * JDBC connection on a worker thread. Runs before any verticle is deployed. A database that
 * cannot be reached or used fails with a {@link DatabaseStartFailure} that says what to do.
 */
public final class Migrations {

  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  public static Future<Integer> run(Vertx vertx, DatabaseConfig config) {
    if (!config.migrate()) {
      log.info("migrations disabled (database.migrate=false)");
      return Future.succeededFuture(0);
    }
    return vertx.executeBlocking(() -> {
      Flyway flyway = Flyway.configure()
          .dataSource(config.jdbcUrl(), config.user(), config.password())
          .locations("classpath:db/migration")
          .connectRetries(0)
          .load();
      MigrateResult result = flyway.migrate();
      log.info("database schema at version {} ({} migration(s) applied)",
          result.targetSchemaVersion == null ? flyway.info().current().getVersion() : result.targetSchemaVersion,
          result.migrationsExecuted);
      return result.migrationsExecuted;
    }, false).recover(failure -> Future.failedFuture(DatabaseStartFailure.explain(failure, config)));
  }
}
