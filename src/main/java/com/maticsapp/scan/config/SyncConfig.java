package com.maticsapp.scan.config;

import java.time.Duration;

/**
 * Offline phones' copies of a barcode column ({@code sync}, docs/offline.md). A snapshot is read
 * {@code snapshotPageRows} rows per statement and streamed as the pages arrive; a delta answers
 * at most {@code deltaMaxRows} changed rows (more, and the phone is told to download a new
 * snapshot). The change sequence deltas are made from is kept for {@code changeRetention}:
 * every {@code pruneInterval} older changes are deleted, and a cursor older than what remains is
 * answered "too old".
 */
public record SyncConfig(int snapshotPageRows, int deltaMaxRows, Duration changeRetention, Duration pruneInterval) {

  static SyncConfig from(ConfigReader sync) {
    return new SyncConfig(
        sync.integer("snapshotPageRows", 500, 10, 10_000),
        sync.integer("deltaMaxRows", 5_000, 10, 100_000),
        sync.duration("changeRetention", Duration.ofHours(168), Duration.ofSeconds(1), Duration.ofDays(3650)),
        sync.duration("pruneInterval", Duration.ofMinutes(10), Duration.ofMillis(100), Duration.ofDays(1)));
  }
}
