package com.maticsapp.scan.config;

/** A configuration value that cannot be used. The message names the key (never a secret value). */
public final class ConfigException extends RuntimeException {

  private final String key;
  private final String problem;

  public ConfigException(String key, String problem) {
    this(key, problem, null);
  }

  private ConfigException(String key, String problem, String variable) {
    super("configuration key '" + key + "'" + (variable == null ? "" : " (set by " + variable + ")") + ": " + problem);
    this.key = key;
    this.problem = problem;
  }

  public String key() {
    return key;
  }

  /** The same failure, naming the environment variable the bad value came from. */
  ConfigException setBy(String variable) {
    return new ConfigException(key, problem, variable);
  }
}
