-- Up Migration
-- The trend rollups' refresh takes only settled dirty marks (docs/decisions/
-- 0032-rollup-refresh-cadence.md). A day still receiving readings (today, for
-- a continuous oximeter) was recomputed from all its raw readings at every
-- 30-second round, and 200 such days in one statement held the embedded
-- database's one session for seconds, which every reading's store waited for
-- (the alert p99 under 2,000 readings/s went from 0.4 s to 2.9-6.8 s). A mark
-- now waits until it is `marked_before` old; the trend read takes a dirty day
-- from the raw readings meanwhile (real-time aggregation), so nothing is
-- missing from a chart while it waits.
CREATE FUNCTION varde_refresh_rollups(max_days integer, marked_before timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  p uuid[]; t text[]; d timestamptz[];
BEGIN
  WITH picked AS (
    SELECT patient_id, type, day FROM measurement_rollup_dirty
     WHERE marked_at < marked_before
     ORDER BY marked_at LIMIT max_days FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM measurement_rollup_dirty x USING picked
     WHERE x.patient_id = picked.patient_id AND x.type = picked.type AND x.day = picked.day
    RETURNING x.patient_id, x.type, x.day
  )
  SELECT array_agg(patient_id), array_agg(type), array_agg(day) INTO p, t, d FROM gone;
  IF p IS NULL THEN RETURN 0; END IF;
  DELETE FROM measurement_rollups r USING unnest(p, t, d) AS k (patient_id, type, day)
   WHERE r.patient_id = k.patient_id AND r.type = k.type AND r.bucket >= k.day AND r.bucket < k.day + INTERVAL '1 day';
  INSERT INTO measurement_rollups (tenant_id, patient_id, type, width, bucket, n, min, max, sum)
  SELECT m.tenant_id, m.patient_id, m.type, w.width,
         date_bin(make_interval(secs => w.width), m.measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
         count(*), min(m.value), max(m.value), sum(m.value)
    FROM unnest(p, t, d) AS k (patient_id, type, day)
    JOIN measurements m ON m.patient_id = k.patient_id AND m.type = k.type
                       AND m.measured_at >= k.day AND m.measured_at < k.day + INTERVAL '1 day'
    CROSS JOIN (VALUES (300), (3600), (86400)) AS w (width)
   GROUP BY 1, 2, 3, 4, 5;
  RETURN cardinality(p);
END $$;

-- The one-argument form (migration 0028) takes every mark, settled or not.
CREATE OR REPLACE FUNCTION varde_refresh_rollups(max_days integer) RETURNS integer LANGUAGE sql AS $$
  SELECT varde_refresh_rollups(max_days, 'infinity'::timestamptz)
$$;

-- Down Migration
CREATE OR REPLACE FUNCTION varde_refresh_rollups(max_days integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  p uuid[]; t text[]; d timestamptz[];
BEGIN
  WITH picked AS (
    SELECT patient_id, type, day FROM measurement_rollup_dirty ORDER BY marked_at LIMIT max_days FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM measurement_rollup_dirty x USING picked
     WHERE x.patient_id = picked.patient_id AND x.type = picked.type AND x.day = picked.day
    RETURNING x.patient_id, x.type, x.day
  )
  SELECT array_agg(patient_id), array_agg(type), array_agg(day) INTO p, t, d FROM gone;
  IF p IS NULL THEN RETURN 0; END IF;
  DELETE FROM measurement_rollups r USING unnest(p, t, d) AS k (patient_id, type, day)
   WHERE r.patient_id = k.patient_id AND r.type = k.type AND r.bucket >= k.day AND r.bucket < k.day + INTERVAL '1 day';
  INSERT INTO measurement_rollups (tenant_id, patient_id, type, width, bucket, n, min, max, sum)
  SELECT m.tenant_id, m.patient_id, m.type, w.width,
         date_bin(make_interval(secs => w.width), m.measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
         count(*), min(m.value), max(m.value), sum(m.value)
    FROM unnest(p, t, d) AS k (patient_id, type, day)
    JOIN measurements m ON m.patient_id = k.patient_id AND m.type = k.type
                       AND m.measured_at >= k.day AND m.measured_at < k.day + INTERVAL '1 day'
    CROSS JOIN (VALUES (300), (3600), (86400)) AS w (width)
   GROUP BY 1, 2, 3, 4, 5;
  RETURN cardinality(p);
END $$;
DROP FUNCTION varde_refresh_rollups(integer, timestamptz);
