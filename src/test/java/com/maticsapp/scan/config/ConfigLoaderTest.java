package com.maticsapp.scan.config;

import com.maticsapp.scan.config.DatabaseConfig.PoolConfig;
import io.vertx.pgclient.SslMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration as the service loads it: the real conf/base.json and conf/&lt;environment&gt;.json
 * through {@link ConfigLoader#load}, with environment variables given as a map.
 */
class ConfigLoaderTest extends ConfigTestBase {

  private static final String SECRET = "s3cr3t-pw";

  /** A sample value for every pool override, and where it must show up in the pool settings. */
  private static final Map<String, String> POOL_SAMPLES = Map.of(
      "DB_POOL_MAX_SIZE", "7",
      "DB_POOL_IDLE_TIMEOUT", "90s",
      "DB_POOL_MAX_LIFETIME", "15m",
      "DB_POOL_CONNECTION_TIMEOUT", "750ms",
      "DB_POOL_MAX_WAIT_QUEUE", "42");

  private static final Map<String, Function<PoolConfig, Object>> POOL_READERS = Map.of(
      "database.pool.maxSize", PoolConfig::maxSize,
      "database.pool.idleTimeout", PoolConfig::idleTimeout,
      "database.pool.maxLifetime", PoolConfig::maxLifetime,
      "database.pool.connectionTimeout", PoolConfig::connectionTimeout,
      "database.pool.maxWaitQueueSize", PoolConfig::maxWaitQueueSize);

  private static final Map<String, Object> POOL_EXPECTED = Map.of(
      "DB_POOL_MAX_SIZE", 7,
      "DB_POOL_IDLE_TIMEOUT", Duration.ofSeconds(90),
      "DB_POOL_MAX_LIFETIME", Duration.ofMinutes(15),
      "DB_POOL_CONNECTION_TIMEOUT", Duration.ofMillis(750),
      "DB_POOL_MAX_WAIT_QUEUE", 42);




  // ---------------------------------------------------------------- environments and merge

  @Test
  void developmentLoadsWithLenientPoolSettings() {
    AppConfig config = load(Map.of("ENVIRONMENT", "development"));

    assertThat(config.environment()).isEqualTo("development");
    assertThat(config.isProduction()).isFalse();
    assertThat(config.http().port()).isEqualTo(8080);
    DatabaseConfig db = config.database();
    assertThat(db.database()).isEqualTo("matic_scan_dev");
    assertThat(db.sslMode()).isEqualTo(SslMode.DISABLE);
    assertThat(db.pooler()).isEqualTo(DatabaseConfig.DIRECT);
    assertThat(db.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(db.pool().maxSize()).isEqualTo(4);
    assertThat(db.pool().idleTimeout()).isEqualTo(Duration.ofSeconds(600));
    assertThat(db.pool().maxLifetime()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(db.pool().connectionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(db.pool().maxWaitQueueSize()).isEqualTo(-1);
  }

  @Test
  void testEnvironmentLoadsItsOwnPoolAndHttpSettings() {
    AppConfig config = load(Map.of("ENVIRONMENT", "test"));

    assertThat(config.environment()).isEqualTo("test");
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).isZero();
    assertThat(config.http().instances()).isEqualTo(2);
    DatabaseConfig db = config.database();
    assertThat(db.database()).isEqualTo("matic_scan_test");
    assertThat(db.sslMode()).isEqualTo(SslMode.DISABLE);
    assertThat(db.pooler()).isEqualTo(DatabaseConfig.DIRECT);
    assertThat(db.statementTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(db.pool().maxSize()).isEqualTo(2);
    assertThat(db.pool().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(db.pool().maxLifetime()).isEqualTo(Duration.ofSeconds(300));
    assertThat(db.pool().connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(db.pool().maxWaitQueueSize()).isEqualTo(1000);
  }

  @Test
  void productionLoadsWithOneConnectionABoundedQueueASessionPoolerAndTls() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production"));

    assertThat(config.environment()).isEqualTo("production");
    assertThat(config.isProduction()).isTrue();
    DatabaseConfig db = config.database();
    assertThat(db.database()).isEqualTo("matic_scan");
    assertThat(db.sslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(db.pooler()).isEqualTo(DatabaseConfig.SESSION);
    assertThat(db.usesTransactionPooler()).isFalse();
    assertThat(db.statementTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(db.pool().maxSize()).isEqualTo(1);
    assertThat(db.pool().idleTimeout()).isEqualTo(Duration.ofSeconds(240));
    assertThat(db.pool().maxLifetime()).isEqualTo(Duration.ofSeconds(300));
    assertThat(db.pool().connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(db.pool().maxWaitQueueSize()).isEqualTo(512);
  }

  @Test
  void theThreeEnvironmentsHaveDifferentPoolSettings() {
    Set<PoolConfig> pools = Stream.of(AppConfig.ENVIRONMENTS)
        .map(environment -> load(Map.of("ENVIRONMENT", environment)).database().pool())
        .collect(Collectors.toSet());

    assertThat(pools).hasSize(3);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "test", "production"})
  void keysOnlyInBaseJsonSurviveTheDeepMergeInEveryEnvironment(String environment) {
    AppConfig config = load(Map.of("ENVIRONMENT", environment));

    // The environment files override parts of "http", "database" and "database.pool"; the
    // rest of those objects, and whole sections they do not mention, come from base.json.
    assertThat(config.limits().batchMaxScans()).isEqualTo(500);
    assertThat(config.limits().bulkMaxRows()).isEqualTo(5000);
    assertThat(config.limits().barcodeMaxLength()).isEqualTo(512);
    assertThat(config.http().bodyLimit()).isEqualTo(262_144);
    assertThat(config.http().bulkBodyLimit()).isEqualTo(8_388_608);
    assertThat(config.http().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.database().applicationName()).isEqualTo("matic-scan");
    assertThat(config.database().host()).isEqualTo("127.0.0.1");
    assertThat(config.database().user()).isEqualTo("postgres");
    assertThat(config.database().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.database().migrate()).isTrue();
    assertThat(config.database().pool().name()).isEqualTo("matic-scan-db");
    assertThat(config.data().maxMatchedRows()).isEqualTo(100);
    assertThat(config.health().databaseTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void missingEnvironmentMeansDevelopment() {
    AppConfig config = load(Map.of());

    assertThat(config.environment()).isEqualTo("development");
    assertThat(config.database().database()).isEqualTo("matic_scan_dev");
  }

  @Test
  void unknownEnvironmentFailsNamingTheEnvironmentVariable() {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "staging"));

    assertThat(failure.key()).isEqualTo("ENVIRONMENT");
    assertThat(failure.getMessage()).contains("ENVIRONMENT").contains("staging");
  }

  // ---------------------------------------------------------------- environment overrides

  @Test
  void everyPoolOverrideInEnvOverridesIsCoveredHere() {
    Map<String, String> poolOverrides = ConfigLoader.ENV_OVERRIDES.entrySet().stream()
        .filter(entry -> entry.getValue().startsWith("database.pool."))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    assertThat(poolOverrides.keySet()).isEqualTo(POOL_SAMPLES.keySet());
    assertThat(Set.copyOf(poolOverrides.values())).isEqualTo(POOL_READERS.keySet());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "DB_POOL_MAX_SIZE", "DB_POOL_IDLE_TIMEOUT", "DB_POOL_MAX_LIFETIME", "DB_POOL_CONNECTION_TIMEOUT", "DB_POOL_MAX_WAIT_QUEUE"})
  void eachPoolOverrideBeatsTheEnvironmentFile(String variable) {
    String key = ConfigLoader.ENV_OVERRIDES.get(variable);
    Function<PoolConfig, Object> read = POOL_READERS.get(key);
    Object before = read.apply(load(Map.of("ENVIRONMENT", "production")).database().pool());

    PoolConfig pool = load(Map.of("ENVIRONMENT", "production", variable, POOL_SAMPLES.get(variable))).database().pool();

    assertThat(before).isNotEqualTo(POOL_EXPECTED.get(variable));
    assertThat(read.apply(pool)).isEqualTo(POOL_EXPECTED.get(variable));
  }

  static Stream<Arguments> durationOverrides() {
    Map<String, Duration> forms = new LinkedHashMap<>();
    forms.put("300", Duration.ofSeconds(300));
    forms.put("250ms", Duration.ofMillis(250));
    forms.put("5m", Duration.ofMinutes(5));
    return Stream.of("DB_POOL_IDLE_TIMEOUT", "DB_POOL_MAX_LIFETIME", "DB_POOL_CONNECTION_TIMEOUT")
        .flatMap(variable -> forms.entrySet().stream()
            .map(form -> Arguments.of(variable, form.getKey(), form.getValue())));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("durationOverrides")
  void poolDurationOverridesAcceptSecondsMillisecondsAndMinutes(String variable, String value, Duration expected) {
    PoolConfig pool = load(Map.of("ENVIRONMENT", "test", variable, value)).database().pool();

    assertThat(POOL_READERS.get(ConfigLoader.ENV_OVERRIDES.get(variable)).apply(pool)).isEqualTo(expected);
  }

  @Test
  void maxWaitQueueOverrideAcceptsMinusOneForUnbounded() {
    PoolConfig pool = load(Map.of("ENVIRONMENT", "production", "DB_POOL_MAX_WAIT_QUEUE", "-1")).database().pool();

    assertThat(pool.maxWaitQueueSize()).isEqualTo(-1);
  }

  @Test
  void shutdownGraceIsZeroOutsideProductionAndDrainTimeoutTenSeconds() {
    assertThat(load(Map.of("ENVIRONMENT", "development")).http().shutdownGrace()).isZero();
    assertThat(load(Map.of("ENVIRONMENT", "test")).http().shutdownGrace()).isZero();
    AppConfig production = load(Map.of("ENVIRONMENT", "production"));
    assertThat(production.http().shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(production.http().drainTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void shutdownOverridesSetGraceAndDrainAndNameTheVariableWhenInvalid() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production", "SHUTDOWN_GRACE", "1500ms", "DRAIN_TIMEOUT", "0"));

    assertThat(config.http().shutdownGrace()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.http().drainTimeout()).isZero();

    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", "DRAIN_TIMEOUT", "1h"));
    assertThat(failure.key()).isEqualTo("http.drainTimeout");
    assertThat(failure.getMessage()).contains("DRAIN_TIMEOUT");
  }

  @Test
  void streamSettingsDefaultAndTheirOverridesNameTheVariableWhenInvalid() {
    assertThat(load(Map.of("ENVIRONMENT", "production")).http().stream())
        .isEqualTo(new AppConfig.StreamConfig(Duration.ofSeconds(15), 1_000, 256, 32, 10_000, Duration.ofMillis(250)));

    AppConfig config = load(Map.of("ENVIRONMENT", "production",
        "HTTP_STREAM_HEARTBEAT", "200ms", "HTTP_STREAM_REPLAY_MAX", "0", "HTTP_STREAM_BUFFER_MAX", "8",
        "HTTP_STREAM_MAX_PER_CALLER", "2", "HTTP_STREAM_MAX_OPEN", "5", "HTTP_STREAM_STATUS_INTERVAL", "1s"));
    assertThat(config.http().stream()).isEqualTo(new AppConfig.StreamConfig(Duration.ofMillis(200), 0, 8, 2, 5, Duration.ofSeconds(1)));
    ConfigException perCaller = configFailure(Map.of("ENVIRONMENT", "production", "HTTP_STREAM_MAX_PER_CALLER", "0"));
    assertThat(perCaller.key()).isEqualTo("http.stream.maxPerCaller");
    assertThat(perCaller.getMessage()).contains("HTTP_STREAM_MAX_PER_CALLER");

    ConfigException buffer = configFailure(Map.of("ENVIRONMENT", "production", "HTTP_STREAM_BUFFER_MAX", "0"));
    assertThat(buffer.key()).isEqualTo("http.stream.bufferMax");
    assertThat(buffer.getMessage()).contains("HTTP_STREAM_BUFFER_MAX");
    ConfigException heartbeat = configFailure(Map.of("ENVIRONMENT", "production", "HTTP_STREAM_HEARTBEAT", "2m"));
    assertThat(heartbeat.key()).isEqualTo("http.stream.heartbeat");
    assertThat(heartbeat.getMessage()).contains("HTTP_STREAM_HEARTBEAT");
  }

  @Test
  void inputLimitsDefaultAndTheirOverridesNameTheVariableWhenInvalid() {
    AppConfig defaults = load(Map.of("ENVIRONMENT", "production"));
    assertThat(defaults.limits()).isEqualTo(new AppConfig.LimitsConfig(
        500, 5_000, 512, AppConfig.BarcodeCharset.ASCII, 1_000, 500, 32, 65_536, 16_384, 64, 4));
    assertThat(defaults.http().maxHeaderSize()).isEqualTo(8_192);
    assertThat(defaults.http().maxInitialLineLength()).isEqualTo(8_192);

    AppConfig config = load(Map.of("ENVIRONMENT", "production", "BARCODE_CHARSET", "unicode",
        "ROW_DATA_MAX_BYTES", "4096", "METADATA_MAX_BYTES", "1024",
        "HTTP_MAX_HEADER_SIZE", "16384", "HTTP_MAX_INITIAL_LINE_LENGTH", "2048"));
    assertThat(config.limits().barcodeCharset()).isEqualTo(AppConfig.BarcodeCharset.UNICODE);
    assertThat(config.limits().rowDataMaxBytes()).isEqualTo(4_096);
    assertThat(config.limits().metadataMaxBytes()).isEqualTo(1_024);
    assertThat(config.http().maxHeaderSize()).isEqualTo(16_384);
    assertThat(config.http().maxInitialLineLength()).isEqualTo(2_048);

    ConfigException charset = configFailure(Map.of("ENVIRONMENT", "production", "BARCODE_CHARSET", "latin1"));
    assertThat(charset.key()).isEqualTo("limits.barcodeCharset");
    assertThat(charset.getMessage()).contains("BARCODE_CHARSET").contains("ascii, unicode");
    ConfigException header = configFailure(Map.of("ENVIRONMENT", "production", "HTTP_MAX_HEADER_SIZE", "512"));
    assertThat(header.key()).isEqualTo("http.maxHeaderSize");
    assertThat(header.getMessage()).contains("HTTP_MAX_HEADER_SIZE");
  }

  @Test
  void portOverrideSetsTheHttpPort() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production", "PORT", "9091"));

    assertThat(config.http().port()).isEqualTo(9091);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"direct", "session", "transaction"})
  void poolerModeOverrideSelectsThePoolerMode(String mode) {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "production", "DB_POOLER_MODE", mode)).database();

    assertThat(db.pooler()).isEqualTo(mode);
    assertThat(db.usesTransactionPooler()).isEqualTo(mode.equals("transaction"));
  }

  @Test
  void overrideValuesAreTrimmedAndBlankValuesIgnored() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production", "DB_POOL_MAX_SIZE", " 3 ", "PORT", "  "));

    assertThat(config.database().pool().maxSize()).isEqualTo(3);
    assertThat(config.http().port()).isEqualTo(8080);
  }

  // ---------------------------------------------------------------- DATABASE_URL

  @Test
  void databaseUrlSetsHostPortDatabaseCredentialsAndSslMode() {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "development",
        "DATABASE_URL", "postgres://u:secret@db.example.com:6543/appdb?sslmode=require")).database();

    assertThat(db.host()).isEqualTo("db.example.com");
    assertThat(db.port()).isEqualTo(6543);
    assertThat(db.database()).isEqualTo("appdb");
    assertThat(db.user()).isEqualTo("u");
    assertThat(db.password()).isEqualTo("secret");
    assertThat(db.sslMode()).isEqualTo(SslMode.REQUIRE);
  }

  @Test
  void postgresqlSchemeIsAcceptedAndAUrlWithoutSslModeKeepsTheConfiguredOne() {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "production",
        "DATABASE_URL", "postgresql://u:secret@db.example.com:6543/appdb")).database();

    assertThat(db.host()).isEqualTo("db.example.com");
    assertThat(db.port()).isEqualTo(6543);
    assertThat(db.database()).isEqualTo("appdb");
    assertThat(db.user()).isEqualTo("u");
    assertThat(db.password()).isEqualTo("secret");
    assertThat(db.sslMode()).isEqualTo(SslMode.REQUIRE);
  }

  @Test
  void databaseUrlWithoutUserInfoKeepsTheConfiguredUserAndPassword() {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "test",
        "DATABASE_URL", "postgres://db.example.com:6543/appdb")).database();

    assertThat(db.host()).isEqualTo("db.example.com");
    assertThat(db.port()).isEqualTo(6543);
    assertThat(db.database()).isEqualTo("appdb");
    assertThat(db.user()).isEqualTo("postgres");
    assertThat(db.password()).isEmpty();
  }

  @Test
  void databaseUrlWithUserButNoPasswordKeepsTheConfiguredPasswordAndDefaultPort() {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "test",
        "DATABASE_URL", "postgres://alice@db.example.com/appdb")).database();

    assertThat(db.user()).isEqualTo("alice");
    assertThat(db.password()).isEmpty();
    assertThat(db.port()).isEqualTo(5432);
  }

  @Test
  void databaseUrlCredentialsAreUsedWhenTheHostNameHasAnUnderscore() {
    // Compose service names such as "matic_db" are not RFC host names; java.net.URI then
    // reports no user info, which once made the loader silently fall back to postgres/"".
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "test",
        "DATABASE_URL", "postgres://app:" + SECRET + "@matic_db:5432/app")).database();

    assertThat(db.host()).isEqualTo("matic_db");
    assertThat(db.database()).isEqualTo("app");
    assertThat(db.user()).isEqualTo("app");
    assertThat(db.password()).isEqualTo(SECRET);
  }

  @Test
  void databaseUrlPasswordIsPercentDecoded() {
    DatabaseConfig db = load(Map.of("ENVIRONMENT", "test",
        "DATABASE_URL", "postgres://u:p%40ss@db.example.com/appdb")).database();

    assertThat(db.password()).isEqualTo("p@ss");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "postgres://u:pw@db.example.com:5432",
      "postgres://u:pw@db.example.com:5432/",
      "postgres://u:pw@db.example.com:5432?sslmode=require"})
  void databaseUrlWithoutADatabaseFails(String url) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "test", "DATABASE_URL", url));

    assertThat(failure.key()).isEqualTo("database.url");
    assertThat(failure.getMessage()).contains("database.url").contains("DATABASE_URL").contains("database");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mysql://x", "not a url", "postgres://u:pw@host:notaport/db", "postgres://u:pw@h/db?sslmode=sometimes"})
  void databaseUrlThatIsNotAPostgresUriFails(String url) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "test", "DATABASE_URL", url));

    assertThat(failure.key()).isEqualTo("database.url");
    assertThat(failure.getMessage()).contains("database.url").contains("DATABASE_URL").doesNotContain(url);
  }

  // ---------------------------------------------------------------- invalid values

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "DB_POOL_MAX_SIZE,     -1,    database.pool.maxSize",
      "DB_POOL_MAX_SIZE,     abc,   database.pool.maxSize",
      "DB_POOL_MAX_SIZE,     0,     database.pool.maxSize",
      "DB_POOL_IDLE_TIMEOUT, soon,  database.pool.idleTimeout",
      "PORT,                 70000, http.port",
      "DB_POOLER_MODE,       magic, database.pooler"})
  void invalidOverrideFailsNamingTheKeyAndTheVariable(String variable, String value, String key) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", variable, value));

    assertThat(failure.key()).isEqualTo(key);
    assertThat(failure.getMessage()).contains("'" + key + "'").contains(variable);
  }

  @Test
  void failureNamesOnlyTheVariableThatSetTheBadKey() {
    // PORT is valid here: only DB_POOL_MAX_SIZE may be blamed.
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", "PORT", "8081", "DB_POOL_MAX_SIZE", "-1"));

    assertThat(failure.getMessage()).contains("DB_POOL_MAX_SIZE").doesNotContain("PORT");
  }

  // ---------------------------------------------------------------- secrets

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "postgres://u:" + SECRET + "@host:notaport/db",
      "postgres://u:" + SECRET + "@host:5432",
      "postgres://u:" + SECRET + "@host:5432/",
      "postgres://u:" + SECRET + "@host:99999/db",
      "postgres://u:" + SECRET + "@host/db name",
      "postgres://u:" + SECRET + "@host/db?sslmode=sometimes",
      "mysql://u:" + SECRET + "@host/db"})
  void brokenDatabaseUrlFailureNeverQuotesThePassword(String url) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", "DATABASE_URL", url));

    assertThat(failure.getMessage()).contains("DATABASE_URL").doesNotContain(SECRET);
    assertThat(failure.toString()).doesNotContain(SECRET);
    assertThat(failure.getCause()).isNull();
  }

  @Test
  void unrelatedFailureWithAValidDatabaseUrlNeverQuotesThePassword() {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production",
        "DATABASE_URL", "postgres://u:" + SECRET + "@db.example.com:5432/appdb",
        "DB_POOL_MAX_SIZE", "abc"));

    assertThat(failure.getMessage()).contains("DB_POOL_MAX_SIZE").doesNotContain(SECRET);
  }

  @Test
  void databaseConfigDescriptionsNeverContainThePassword() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production",
        "DATABASE_URL", "postgres://u:" + SECRET + "@db.example.com:5432/appdb?sslmode=require"));
    DatabaseConfig db = config.database();

    assertThat(db.password()).isEqualTo(SECRET);
    assertThat(db.toString()).doesNotContain(SECRET).contains("db.example.com");
    assertThat(db.describe()).doesNotContain(SECRET).contains("u@db.example.com:5432/appdb");
    assertThat(config.toString()).doesNotContain(SECRET);
    assertThat(db.jdbcUrl()).doesNotContain(SECRET);
  }

  // ---------------------------------------------------------------- helpers


}
