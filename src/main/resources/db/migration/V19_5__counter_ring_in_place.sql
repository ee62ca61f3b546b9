-- matic-scan schema: the door's per-minute ring updated in place (docs/benchmarks.md).
--
-- V12_1's ring functions rebuilt all 60 slots with array_agg over generate_series on every
-- call, four calls per scan statement: a third of a single scan's execution time in the
-- statement that bumps scan_counters. The same results, one element assigned: the arrays are
-- always the 60 slots array_fill made them (scan_counters' defaults, the scan statement).
CREATE OR REPLACE FUNCTION matic_ring_counts(counts bigint[], slots bigint[], m bigint, n bigint) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  i integer := (m % 60 + 1)::integer;
BEGIN
  IF n = 0 THEN
    RETURN counts;
  END IF;
  counts[i] := CASE WHEN slots[i] = m THEN counts[i] ELSE 0 END + n;
  RETURN counts;
END
$$;

CREATE OR REPLACE FUNCTION matic_ring_slots(slots bigint[], m bigint, n bigint) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF n = 0 THEN
    RETURN slots;
  END IF;
  slots[(m % 60 + 1)::integer] := m;
  RETURN slots;
END
$$;
