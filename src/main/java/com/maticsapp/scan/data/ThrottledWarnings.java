package com.maticsapp.scan.data;

import org.slf4j.Logger;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * WARN lines for failures that come in floods (an outage fails every request at once): the
 * first occurrence of a cause is logged at once, the repeats are counted and logged as one
 * summary per cause and interval (how many, while serving which addresses). A cause quiet for
 * a whole interval is forgotten, so its next occurrence is logged at once again. The exact
 * counts belong to the metrics; this only keeps the log readable.
 *
 * <p>Lives on one data verticle's event loop (synchronized all the same: it is cheap, and a
 * summary may be flushed from a timer).
 */
final class ThrottledWarnings {

  /** More distinct causes than this in one interval are summarised together. */
  static final int MAX_CAUSES = 64;
  static final String OTHER = "other causes";

  private final Logger log;
  private final long intervalMillis;
  private final LongSupplier clock;
  private final Map<String, Repeats> causes = new LinkedHashMap<>();

  /** Repeats of one cause since {@code sinceMillis}, by address. */
  private static final class Repeats {
    long sinceMillis;
    long count;
    final Map<String, Long> byAddress = new TreeMap<>();

    Repeats(long sinceMillis) {
      this.sinceMillis = sinceMillis;
    }
  }

  ThrottledWarnings(Logger log, long intervalMillis, LongSupplier clock) {
    this.log = log;
    this.intervalMillis = intervalMillis;
    this.clock = clock;
  }

  /** One occurrence of {@code cause} (a short, stable description) while serving {@code address}. */
  synchronized void warn(String cause, String address) {
    long now = clock.getAsLong();
    flush(now);
    String key = causes.containsKey(cause) || causes.size() < MAX_CAUSES ? cause : OTHER;
    Repeats repeats = causes.get(key);
    if (repeats == null) {
      causes.put(key, new Repeats(now));
      log.warn("{} (while serving {}); repeats are summarised every {} ms", key, address, intervalMillis);
      return;
    }
    repeats.count++;
    repeats.byAddress.merge(address, 1L, Long::sum);
  }

  /** Logs the summaries whose interval is over and forgets the causes that stayed quiet. */
  synchronized void flush() {
    flush(clock.getAsLong(), false);
  }

  /** Logs every pending summary now, due or not (when the data verticle stops). */
  synchronized void flushAll() {
    flush(clock.getAsLong(), true);
  }

  private void flush(long now) {
    flush(now, false);
  }

  private void flush(long now, boolean all) {
    for (Iterator<Map.Entry<String, Repeats>> it = causes.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Repeats> entry = it.next();
      Repeats repeats = entry.getValue();
      if (!all && now - repeats.sinceMillis < intervalMillis) {
        continue;
      }
      if (repeats.count == 0) {
        it.remove();
        continue;
      }
      log.warn("{} {} more times in the last {} ms (by address: {})", entry.getKey(), repeats.count,
          now - repeats.sinceMillis, repeats.byAddress);
      repeats.sinceMillis = now;
      repeats.count = 0;
      repeats.byAddress.clear();
    }
  }
}
