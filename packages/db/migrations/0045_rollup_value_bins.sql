-- Up Migration
-- Per-band counts in the trend answer (issue 21, docs/decisions/0046-band-
-- counts-from-value-bins.md): the rollups keep how many readings had each
-- value, on the vital's own grid (1 % SpO2, 1/min pulse, 0.1 °C …), and the
-- reader sums the bins beyond the thresholds in force when it asks. The
-- thresholds are condition defaults in code plus stored overrides, so SQL
-- cannot classify by itself; bins follow a threshold change with no rewrite.

-- The vital's grid: a reading's bin is round(value × scale), its value bin / scale.
CREATE FUNCTION varde_vital_bin_scale(vital text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN vital IN ('body-temperature', 'blood-glucose', 'body-weight') THEN 10 ELSE 1 END
$$;

CREATE TABLE measurement_rollup_bins (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  type text NOT NULL,
  width integer NOT NULL CHECK (width IN (300, 3600, 86400)),
  bucket timestamptz NOT NULL,
  bin integer NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (patient_id, type, width, bucket, bin)
);

ALTER TABLE measurement_rollup_bins ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON measurement_rollup_bins TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Migration 0031's refresh, with the bins of each bucket beside its n, min, max and sum.
CREATE OR REPLACE FUNCTION varde_refresh_rollups(max_days integer, marked_before timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
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
  DELETE FROM measurement_rollup_bins r USING unnest(p, t, d) AS k (patient_id, type, day)
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
  INSERT INTO measurement_rollup_bins (tenant_id, patient_id, type, width, bucket, bin, n)
  SELECT m.tenant_id, m.patient_id, m.type, w.width,
         date_bin(make_interval(secs => w.width), m.measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
         round(m.value * varde_vital_bin_scale(m.type))::integer, count(*)
    FROM unnest(p, t, d) AS k (patient_id, type, day)
    JOIN measurements m ON m.patient_id = k.patient_id AND m.type = k.type
                       AND m.measured_at >= k.day AND m.measured_at < k.day + INTERVAL '1 day'
    CROSS JOIN (VALUES (300), (3600), (86400)) AS w (width)
   GROUP BY 1, 2, 3, 4, 5, 6;
  RETURN cardinality(p);
END $$;

-- Migration 0028's retention, deleting the bins of whole days before the cutoff with their rollups.
CREATE OR REPLACE FUNCTION varde_apply_retention(at timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record; gone bigint := 0; n bigint; cutoff timestamptz; cut_day timestamptz;
BEGIN
  FOR r IN SELECT id, raw_retention_days FROM tenants WHERE raw_retention_days IS NOT NULL LOOP
    cutoff := at - make_interval(days => r.raw_retention_days);
    cut_day := date_bin(INTERVAL '1 day', cutoff, TIMESTAMPTZ '2000-01-01 00:00:00+00');
    DELETE FROM measurements WHERE tenant_id = r.id AND measured_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    gone := gone + n;
    DELETE FROM measurement_rollups WHERE tenant_id = r.id AND bucket < cut_day;
    DELETE FROM measurement_rollup_bins WHERE tenant_id = r.id AND bucket < cut_day;
    DELETE FROM measurement_rollup_dirty WHERE tenant_id = r.id AND day < cut_day;
    INSERT INTO measurement_rollup_dirty (tenant_id, patient_id, type, day)
    SELECT DISTINCT tenant_id, patient_id, type, cut_day FROM measurement_rollups
     WHERE tenant_id = r.id AND width = 86400 AND bucket = cut_day
    ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN gone;
END $$;

-- Days rolled up before this migration have no bins: marked dirty, so the refresher adds them.
INSERT INTO measurement_rollup_dirty (tenant_id, patient_id, type, day)
SELECT tenant_id, patient_id, type, bucket FROM measurement_rollups WHERE width = 86400
ON CONFLICT DO NOTHING;

-- Down Migration
CREATE OR REPLACE FUNCTION varde_apply_retention(at timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record; gone bigint := 0; n bigint; cutoff timestamptz; cut_day timestamptz;
BEGIN
  FOR r IN SELECT id, raw_retention_days FROM tenants WHERE raw_retention_days IS NOT NULL LOOP
    cutoff := at - make_interval(days => r.raw_retention_days);
    cut_day := date_bin(INTERVAL '1 day', cutoff, TIMESTAMPTZ '2000-01-01 00:00:00+00');
    DELETE FROM measurements WHERE tenant_id = r.id AND measured_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    gone := gone + n;
    DELETE FROM measurement_rollups WHERE tenant_id = r.id AND bucket < cut_day;
    DELETE FROM measurement_rollup_dirty WHERE tenant_id = r.id AND day < cut_day;
    INSERT INTO measurement_rollup_dirty (tenant_id, patient_id, type, day)
    SELECT DISTINCT tenant_id, patient_id, type, cut_day FROM measurement_rollups
     WHERE tenant_id = r.id AND width = 86400 AND bucket = cut_day
    ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN gone;
END $$;
CREATE OR REPLACE FUNCTION varde_refresh_rollups(max_days integer, marked_before timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
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
DROP TABLE measurement_rollup_bins;
DROP FUNCTION varde_vital_bin_scale(text);
