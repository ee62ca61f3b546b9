package com.maticsapp.scan.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

/**
 * A test class that talks to one running service over a fresh database of its own, both
 * started before its first test and dropped after its last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServiceTest {

  protected TestDatabase database;
  protected RunningService service;
  protected Fixtures fixtures;

  /** Environment overrides for this class's service (e.g. a tiny pool); none by default. */
  protected Map<String, String> environment() {
    return Map.of();
  }

  @BeforeAll
  final void startService() {
    database = TestDatabase.create();
    service = RunningService.start(database.url(), environment());
    fixtures = new Fixtures(service);
  }

  @AfterAll
  final void stopService() {
    if (service != null) {
      service.close();
    }
    if (database != null) {
      database.close();
    }
  }
}
