package com.maticsapp.scan.config;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Configuration that cannot be used: every problem found in one start, each naming its key and
 * the environment variable that sets it (never a secret value), one line each, so an operator
 * fixes them all at once rather than one per restart.
 */
public final class ConfigException extends RuntimeException {

  /** One unusable setting. {@code variable}: the environment variable that sets the key, if any. */
  public record Problem(String key, String problem, String variable, boolean setByVariable) {

    String line() {
      String origin = variable == null ? ""
          : setByVariable ? " (set by " + variable + ")" : " (environment variable " + variable + ")";
      return "configuration key '" + key + "'" + origin + ": " + problem;
    }
  }

  private final List<Problem> problems;

  public ConfigException(String key, String problem) {
    this(List.of(new Problem(key, problem, null, false)));
  }

  ConfigException(List<Problem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  private static String message(List<Problem> problems) {
    if (problems.size() == 1) {
      return problems.get(0).line();
    }
    return problems.size() + " configuration problems:" + problems.stream()
        .map(problem -> System.lineSeparator() + "  - " + problem.line())
        .collect(Collectors.joining());
  }

  /** The key of the first problem. */
  public String key() {
    return problems.get(0).key();
  }

  public List<Problem> problems() {
    return problems;
  }

  /**
   * The same problems, each naming the environment variable that sets its key
   * ({@code variables}: key → variable) and saying whether the bad value came from it.
   */
  ConfigException withVariables(Map<String, String> variables, Map<String, String> setBy) {
    return new ConfigException(problems.stream()
        .map(p -> new Problem(p.key(), p.problem(), variables.get(p.key()), setBy.containsKey(p.key())))
        .toList());
  }
}
