package com.maticsapp.scan.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts failed pairing claims per client (remote address) in fixed windows: after
 * {@code maxFailures} in one window, the client's claims are refused (429) until the window
 * ends, without asking the database. One instance per process, shared by the HTTP verticles;
 * with several instances each keeps its own count (the per-pairing lock, kept in the
 * database, is the limit that holds across instances).
 */
public final class ClaimGuard {

  private static final int MAX_CLIENTS = 100_000;

  private final int maxFailures;
  private final long windowMillis;
  private final LongSupplier clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  private record Window(long startMillis, int failures) {}

  public ClaimGuard(int maxFailures, long windowMillis, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  /** Seconds until the client may claim again; 0 when it may now. */
  long blockedForSeconds(String client) {
    Window window = windows.get(client);
    long now = clock.getAsLong();
    if (window == null || now - window.startMillis() >= windowMillis || window.failures() < maxFailures) {
      return 0;
    }
    return Math.max(1, (window.startMillis() + windowMillis - now + 999) / 1000);
  }

  void failed(String client) {
    long now = clock.getAsLong();
    if (windows.size() >= MAX_CLIENTS) {
      windows.values().removeIf(window -> now - window.startMillis() >= windowMillis);
    }
    windows.compute(client, (key, window) -> window == null || now - window.startMillis() >= windowMillis
        ? new Window(now, 1)
        : new Window(window.startMillis(), window.failures() + 1));
  }
}
