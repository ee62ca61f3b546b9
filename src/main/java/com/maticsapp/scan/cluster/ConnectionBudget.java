package com.maticsapp.scan.cluster;

import com.maticsapp.scan.config.AppConfig;

/**
 * The database connections the whole deployment may hold, as the start-up log states it.
 * Every instance keeps its own pool (a pool cannot be shared across processes), so the
 * pooler sees instances × {@code database.pool.maxSize} clients, plus one more instance's
 * worth while a rolling deploy runs the new instance beside the old ones
 * (docs/operations.md, "Sizing the pool against a pooler").
 */
public record ConnectionBudget(int perInstance, int instances) {

  public static ConnectionBudget of(AppConfig config) {
    return new ConnectionBudget(config.database().pool().maxSize(), config.cluster().expectedInstances());
  }

  /** Connections of all instances in steady state. */
  public int steady() {
    return instances * perInstance;
  }

  /** During a rolling deploy that starts one extra instance before stopping an old one. */
  public int rolling() {
    return (instances + 1) * perInstance;
  }

  /** One line, ASCII only (the log may not be read as UTF-8). */
  public String describe() {
    return "connection budget: this instance holds at most " + perInstance + " connection" + (perInstance == 1 ? "" : "s")
        + " (database.pool.maxSize); with " + instances + " instance" + (instances == 1 ? "" : "s") + ", "
        + instances + " x " + perInstance + " = " + steady() + " <= pooler limit - headroom (one extra instance's "
        + perInstance + " during a rolling deploy): keep the pooler's client limit at " + rolling() + " or more";
  }
}
