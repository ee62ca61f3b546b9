package com.maticsapp.scan.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The problems found while reading one configuration. Readers record a bad value and go on
 * with the default, so one start reports every unusable setting, not just the first.
 */
final class ConfigProblems {

  private final List<ConfigException.Problem> problems = new ArrayList<>();

  /** Records the problem; returns {@code fallback} so reading can go on. */
  <T> T report(String key, String problem, T fallback) {
    problems.add(new ConfigException.Problem(key, problem, null, false));
    return fallback;
  }

  /**
   * A section built by code that throws on its own checks: its failure is recorded and null
   * returned. A failure that only follows from problems already recorded (a default standing in
   * for a bad value) adds nothing.
   */
  <T> T section(Supplier<T> build) {
    try {
      return build.get();
    } catch (ConfigException e) {
      problems.addAll(e.problems());
      return null;
    } catch (RuntimeException e) {
      if (problems.isEmpty()) {
        throw e;
      }
      return null;
    }
  }

  void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}
