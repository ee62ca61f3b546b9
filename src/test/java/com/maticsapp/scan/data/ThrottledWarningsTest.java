package com.maticsapp.scan.data;

import com.maticsapp.scan.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A flood of one cause is one line and then one summary per interval; a cause gone quiet is logged at once again. */
class ThrottledWarningsTest {

  private final AtomicLong now = new AtomicLong(1_000_000);

  @Test
  void theFirstOccurrenceAtOnceThenOneSummaryPerIntervalPerCause() {
    String name = "throttled-warnings-test";
    try (LogCapture logs = LogCapture.of(name)) {
      ThrottledWarnings warnings = new ThrottledWarnings(LoggerFactory.getLogger(name), 10_000, now::get);
      for (int i = 0; i < 360; i++) {
        warnings.warn("database unavailable: pool full", i % 3 == 0 ? "scans.record" : "scans.lookup");
        now.addAndGet(10); // 360 failures in 3.6 s
      }
      warnings.warn("statement deadline passed: Timeout", "scans.lookup");
      assertThat(logs.messages("WARN")).hasSize(2)
          .allSatisfy(line -> assertThat(line).contains("repeats are summarised every 10000 ms"));

      now.addAndGet(10_000);
      warnings.flush();
      assertThat(logs.messages("WARN")).hasSize(3);
      assertThat(logs.messages("WARN").get(2))
          .isEqualTo("database unavailable: pool full 359 more times in the last 13600 ms "
              + "(by address: {scans.lookup=240, scans.record=119})");

      // Quiet for a whole interval: forgotten, so the next occurrence is logged at once.
      now.addAndGet(10_000);
      warnings.flush();
      logs.clear();
      warnings.warn("database unavailable: pool full", "scans.record");
      assertThat(logs.messages("WARN")).singleElement()
          .satisfies(line -> assertThat(line).startsWith("database unavailable: pool full (while serving scans.record)"));
    }
  }

  @Test
  void flushAllLogsWhatIsPendingBeforeItsInterval() {
    String name = "throttled-warnings-test-2";
    try (LogCapture logs = LogCapture.of(name)) {
      ThrottledWarnings warnings = new ThrottledWarnings(LoggerFactory.getLogger(name), 10_000, now::get);
      warnings.warn("a", "x");
      warnings.warn("a", "x");
      warnings.flushAll();
      assertThat(logs.messages("WARN")).hasSize(2);
      assertThat(logs.messages("WARN").get(1)).startsWith("a 1 more times");
    }
  }
}
