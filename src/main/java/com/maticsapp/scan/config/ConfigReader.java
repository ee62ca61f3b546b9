package com.maticsapp.scan.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads from one section of the merged configuration. Every failure names
 * the full key, so "configuration key 'database.pool.maxSize': must be at least 1" tells the
 * operator exactly which file entry or environment variable to fix.
 */
final class ConfigReader {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

  private final JsonObject section;
  private final String prefix;
  private final ConfigProblems problems;

  /** A reader of the whole configuration that records its problems in {@code problems}. */
  ConfigReader(JsonObject root, ConfigProblems problems) {
    this(root, "", problems);
  }

  private ConfigReader(JsonObject section, String prefix, ConfigProblems problems) {
    this.section = section == null ? new JsonObject() : section;
    this.prefix = prefix;
    this.problems = problems;
  }

  ConfigReader section(String name) {
    Object value = section.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      return invalid(key(name), "must be an object", new ConfigReader(null, key(name), problems));
    }
    return new ConfigReader((JsonObject) value, key(name), problems);
  }

  /**
   * A value that cannot be used: recorded (and {@code fallback} read on in its place) when this
   * reader collects problems, thrown otherwise.
   */
  <T> T invalid(String key, String problem, T fallback) {
    if (problems == null) {
      throw new ConfigException(key, problem);
    }
    return problems.report(key, problem, fallback);
  }

  String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  String string(String name, String fallback) {
    Object value = section.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String)) {
      return invalid(key(name), "must be a string", fallback);
    }
    return (String) value;
  }

  String requiredString(String name) {
    String value = string(name, null);
    if (value == null || value.isBlank()) {
      return invalid(key(name), "is required", value);
    }
    return value;
  }

  String oneOf(String name, String fallback, String... allowed) {
    String value = string(name, fallback);
    for (String candidate : allowed) {
      if (candidate.equals(value)) {
        return value;
      }
    }
    return invalid(key(name), "must be one of " + String.join(", ", allowed) + " (was '" + value + "')", fallback);
  }

  int integer(String name, int fallback, int min, int max) {
    Object value = section.getValue(name);
    long parsed;
    if (value == null) {
      return fallback;
    } else if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
      parsed = number.longValue();
    } else if (value instanceof String text && text.trim().matches("-?\\d{1,10}")) {
      parsed = Long.parseLong(text.trim());
    } else {
      return invalid(key(name), "must be a whole number", fallback);
    }
    if (parsed < min || parsed > max) {
      return invalid(key(name), "must be between " + min + " and " + max + " (was " + parsed + ")", fallback);
    }
    return (int) parsed;
  }

  /**
   * A list of strings: a JSON array of strings (the files) or one comma-separated string (an
   * environment variable). Blank entries of the comma-separated form are skipped, so a trailing
   * comma does no harm. Absent means empty.
   */
  List<String> stringList(String name) {
    return stringList(name, List.of());
  }

  /** As {@link #stringList(String)}, with {@code absent} when the key is not there (an empty list given is empty). */
  List<String> stringList(String name, List<String> absent) {
    if (!section.containsKey(name)) {
      return new ArrayList<>(absent);
    }
    Object value = section.getValue(name);
    List<String> list = new ArrayList<>();
    if (value == null) {
      return list;
    } else if (value instanceof String text) {
      for (String entry : text.split(",")) {
        if (!entry.isBlank()) {
          list.add(entry.trim());
        }
      }
      return list;
    } else if (value instanceof JsonArray array) {
      for (Object entry : array) {
        if (!(entry instanceof String text)) {
          return invalid(key(name), "must be a list of strings", new ArrayList<>());
        }
        list.add(text);
      }
      return list;
    }
    return invalid(key(name), "must be a list of strings or a comma-separated string", list);
  }

  boolean bool(String name, boolean fallback) {
    Object value = section.getValue(name);
    if (value == null) {
      return fallback;
    } else if (value instanceof Boolean flag) {
      return flag;
    } else if (value instanceof String text && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(text);
    }
    return invalid(key(name), "must be true or false", fallback);
  }

  /**
   * A duration: a number of seconds ({@code 300}) or a number with a unit ({@code 500ms},
   * {@code 10s}, {@code 5m}, {@code 1h}).
   */
  Duration duration(String name, Duration fallback, Duration min, Duration max) {
    Object value = section.getValue(name);
    if (value == null) {
      return fallback;
    }
    Duration parsed;
    try {
      parsed = parseDuration(key(name), value);
    } catch (ConfigException e) {
      return invalid(key(name), e.problems().get(0).problem(), fallback);
    }
    if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
      return invalid(key(name), "must be between " + min.toMillis() + "ms and " + max.toMillis() + "ms", fallback);
    }
    return parsed;
  }

  static Duration parseDuration(String key, Object value) {
    if (value instanceof Number number && number.doubleValue() >= 0 && number.doubleValue() == Math.rint(number.doubleValue())) {
      return Duration.ofSeconds(number.longValue());
    }
    if (value instanceof String text) {
      Matcher matcher = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
      if (matcher.matches() && matcher.group(1).length() <= 9) {
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        return switch (unit) {
          case "ms" -> Duration.ofMillis(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofSeconds(amount);
        };
      }
    }
    throw new ConfigException(key, "must be a duration such as 300, 10s, 500ms or 5m");
  }
}
