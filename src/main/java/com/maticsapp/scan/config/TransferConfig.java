package com.maticsapp.scan.config;

import java.time.Duration;

/**
 * Importing and exporting table files, and the retention sweep of scan-history copies.
 *
 * <ul>
 *   <li>{@code importMaxBytes}: the largest upload accepted (413 past it); the body is spooled to
 *       a temporary file in {@code spoolDirectory} (empty: the JVM's temporary directory), never
 *       held in memory.</li>
 *   <li>{@code importChunkRows}: parsed rows written to the staging table per statement.</li>
 *   <li>{@code importApplyChunkRows}: rows applied to the table per statement once the file has
 *       been checked (an import of no more rows, without archive-missing, changes the table in
 *       one statement, all at once).</li>
 *   <li>{@code importYieldPercent}: while other operations arrive, an import pauses after each
 *       chunk for this share of the chunk's time (0: never pauses).</li>
 *   <li>{@code importApplyTimeout}: the statement deadline of each statement that applies a
 *       chunk of an import (it replaces {@code database.statementTimeout} for that statement only).</li>
 *   <li>{@code importMaxErrors}: bad cells listed in a report (all are counted).</li>
 *   <li>{@code importAbandonedAfter}: an active job without progress for this long no longer
 *       blocks a new import of its table (its process is presumed gone).</li>
 *   <li>{@code importDeadline}: how long {@code ?wait=true} waits for the job; one still running
 *       then is answered 202, as without wait.</li>
 *   <li>{@code exportPageRows}: rows read per keyset-paged statement while exporting.</li>
 *   <li>{@code retentionSweep}: how often history copies older than a workspace's retention are
 *       erased; {@code retentionSweepRows} bounds each statement of a sweep.</li>
 * </ul>
 */
public record TransferConfig(
    long importMaxBytes,
    String spoolDirectory,
    int importChunkRows,
    int importApplyChunkRows,
    int importYieldPercent,
    Duration importApplyTimeout,
    int importMaxErrors,
    Duration importAbandonedAfter,
    Duration importDeadline,
    int exportPageRows,
    Duration retentionSweep,
    int retentionSweepRows) {

  static TransferConfig from(ConfigReader transfer) {
    return new TransferConfig(
        transfer.integer("importMaxMegabytes", 256, 1, 16_384) * 1024L * 1024L,
        transfer.string("spoolDirectory", ""),
        transfer.integer("importChunkRows", 5_000, 10, 100_000),
        transfer.integer("importApplyChunkRows", 5_000, 10, 10_000_000),
        transfer.integer("importYieldPercent", 100, 0, 1_000),
        transfer.duration("importApplyTimeout", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(6)),
        transfer.integer("importMaxErrors", 1_000, 1, 100_000),
        transfer.duration("importAbandonedAfter", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(1)),
        // Under the HTTP connection's idle timeout (120 s), which closes a silent connection.
        transfer.duration("importDeadline", Duration.ofSeconds(100), Duration.ofSeconds(1), Duration.ofSeconds(110)),
        transfer.integer("exportPageRows", 2_000, 10, 50_000),
        transfer.duration("retentionSweep", Duration.ofHours(1), Duration.ofMillis(100), Duration.ofDays(7)),
        transfer.integer("retentionSweepRows", 10_000, 1, 1_000_000));
  }
}
