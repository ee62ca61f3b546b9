package com.maticsapp.scan.contract;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * The API's one timestamp form: UTC, always six fractional digits, 'Z' (what PostgreSQL stores,
 * and what matic_json_time writes in SQL), so clients and cursors can compare them as strings.
 */
public final class ApiTimestamps {

  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

  /** Text in exactly that form. */
  public static final Pattern PATTERN = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

  private ApiTimestamps() {}

  /** {@code value} in the API's form; null for null. */
  public static String format(OffsetDateTime value) {
    return value == null ? null : FORMAT.format(value.withOffsetSameInstant(ZoneOffset.UTC));
  }
}
