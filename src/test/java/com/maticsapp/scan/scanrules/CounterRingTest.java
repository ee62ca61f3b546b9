package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.ServiceTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The door's per-minute ring (scan_counters.minute_slots / minute_accepted) is updated in place
 * by matic_ring_slots and matic_ring_counts (V19_5). They must give exactly what the
 * definitions they replaced gave (V12_1: every slot rebuilt), for any minute, count and ring:
 * 500 random rings, compared with those definitions written out here.
 */
class CounterRingTest extends ServiceTest {

  @Test
  void theInPlaceRingGivesWhatTheRebuiltRingGave() {
    long mismatches = database.count("""
        WITH base AS (SELECT g, (29471000 + g)::bigint AS m, (g % 4)::bigint AS n FROM generate_series(1, 500) g),
        cases AS (
          SELECT b.m, b.n,
                 ARRAY(SELECT (random() * 10 + b.g * 0)::bigint FROM generate_series(1, 60)) AS counts,
                 ARRAY(SELECT CASE WHEN random() < 0.5 THEN b.m - (b.g % 2) * 60 ELSE -1 END FROM generate_series(1, 60)) AS slots
          FROM base b)
        SELECT count(*) FILTER (WHERE matic_ring_counts(counts, slots, m, n) IS DISTINCT FROM
                 CASE WHEN n = 0 THEN counts ELSE (SELECT array_agg(CASE WHEN i = m % 60 + 1
                     THEN CASE WHEN slots[i] = m THEN counts[i] ELSE 0 END + n ELSE counts[i] END ORDER BY i)
                   FROM generate_series(1, 60) AS i) END)
             + count(*) FILTER (WHERE matic_ring_slots(slots, m, n) IS DISTINCT FROM
                 CASE WHEN n = 0 THEN slots ELSE (SELECT array_agg(CASE WHEN i = m % 60 + 1 THEN m ELSE slots[i] END ORDER BY i)
                   FROM generate_series(1, 60) AS i) END)
        FROM cases
        """);
    assertThat(mismatches).isZero();
  }
}
