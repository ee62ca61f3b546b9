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
 *
 * <p>An attempt is counted as a failure <em>before</em> the database is asked
 * ({@link #reserve}) and given back when it turns out not to be one ({@link #release}): a
 * count taken only after the answer would let every concurrent attempt through the check
 * while the first ones are still on their way, so forty at once would all reach the database.
 * Counting first, in one atomic step per client, holds the limit under any concurrency.
 */
public final class ClaimGuard {

  private static final int MAX_CLIENTS = 100_000;

  private final int maxFailures;
  private final long windowMillis;
  private final LongSupplier clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** {@code failures} counts attempts reserved in this window and not given back. */
  private record Window(long startMillis, int failures) {}

  /** An admitted attempt, or (with {@code retryAfterSeconds > 0}) a refused one. */
  record Reservation(String client, long windowStart, long retryAfterSeconds) {
    boolean refused() {
      return retryAfterSeconds > 0;
    }
  }

  public ClaimGuard(int maxFailures, long windowMillis, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  /**
   * Counts an attempt by {@code client} as a failure unless the client is already at its
   * limit; then it is refused with the seconds until the window ends.
   */
  Reservation reserve(String client) {
    long now = clock.getAsLong();
    if (windows.size() >= MAX_CLIENTS) {
      windows.values().removeIf(window -> now - window.startMillis() >= windowMillis);
    }
    boolean[] admitted = {true};
    Window counted = windows.compute(client, (key, window) -> {
      if (window == null || now - window.startMillis() >= windowMillis) {
        return new Window(now, 1);
      }
      if (window.failures() >= maxFailures) {
        admitted[0] = false;
        return window;
      }
      return new Window(window.startMillis(), window.failures() + 1);
    });
    long retryAfter = admitted[0] ? 0 : Math.max(1, (counted.startMillis() + windowMillis - now + 999) / 1000);
    return new Reservation(client, counted.startMillis(), retryAfter);
  }

  /** Gives back a reserved attempt that was no failure (a claim that succeeded, or was refused for another reason). */
  void release(Reservation reservation) {
    if (reservation.refused()) {
      return;
    }
    windows.computeIfPresent(reservation.client(), (key, window) -> window.startMillis() == reservation.windowStart()
        && window.failures() > 0 ? new Window(window.startMillis(), window.failures() - 1) : window);
  }
}
