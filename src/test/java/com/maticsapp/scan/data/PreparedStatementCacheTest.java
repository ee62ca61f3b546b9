package com.maticsapp.scan.data;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.config.DatabaseConfig;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every statement the service sends stays prepared on its connection: PostgreSQL parses and
 * plans it once, not on every execution. The client caches only SQL shorter than its limit
 * (2,048 characters unless told otherwise); the scan statement is about 15,000, and planning it
 * cost more than running it (docs/benchmarks.md, 2026-12-07).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PreparedStatementCacheTest {

  private static final Pattern SQL = Pattern.compile("^\\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\\b", Pattern.CASE_INSENSITIVE);

  private TestDatabase database;
  private Vertx vertx;
  private Pool pool;

  @BeforeAll
  void connect() {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    AppConfig config = ConfigLoader.load(vertx, Map.of("ENVIRONMENT", "test", "DATABASE_URL", database.url())).await();
    DatabaseConfig db = config.database();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(db.connectOptions()).using(vertx).build();
  }

  @AfterAll
  void close() {
    if (pool != null) {
      pool.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  void everyStatementOfTheServiceIsShorterThanTheCacheLimit() throws Exception {
    List<Statement> statements = statements();
    Statement longest = statements.stream().max(Comparator.comparingInt(s -> s.sql().length())).orElseThrow();
    assertThat(statements).hasSizeGreaterThan(50);
    assertThat(longest.name()).isEqualTo("ScanStore.RECORD_SCANS");
    assertThat(statements)
        .allSatisfy(s -> assertThat(s.sql().length())
            .as("%s is longer than the prepared-statement cache keeps", s.name())
            .isLessThan(DatabaseConfig.PREPARED_STATEMENT_SQL_LIMIT));
  }

  @Test
  void aStatementAsLongAsTheScanStatementIsPreparedOnceOnItsConnection() {
    int length = ScanStore.RECORD_SCANS.length();
    assertThat(length).isGreaterThan(2_048);
    String sql = "SELECT $1::int + 1 AS next /*" + "x".repeat(length) + "*/";
    SqlConnection connection = pool.getConnection().await();
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(connection.preparedQuery(sql).execute(Tuple.of(i)).await().iterator().next().getInteger("next"))
            .isEqualTo(i + 1);
      }
      long prepared = connection.preparedQuery("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1")
          .execute(Tuple.of(sql)).await().iterator().next().getLong(0);
      assertThat(prepared).as("the long statement stays prepared (named, cached) on the connection").isEqualTo(1);
    } finally {
      connection.close().await();
    }
  }

  private record Statement(String name, String sql) {}

  /** The SQL text constants of the service's classes ({@code static final String}). */
  private static List<Statement> statements() throws IOException, URISyntaxException, ReflectiveOperationException {
    Path classes = Path.of(DatabaseConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Statement> statements = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
    for (Path file : files) {
      String name = classes.relativize(file).toString().replace('/', '.').replace(".class", "");
      Class<?> type = Class.forName(name, false, PreparedStatementCacheTest.class.getClassLoader());
      for (Field field : type.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (field.getType() == String.class && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)) {
          field.setAccessible(true);
          Object value = field.get(null);
          if (value instanceof String text && SQL.matcher(text).find() && text.length() > 40) {
            statements.add(new Statement(type.getSimpleName() + "." + field.getName(), text));
          }
        }
      }
    }
    return statements;
  }
}
