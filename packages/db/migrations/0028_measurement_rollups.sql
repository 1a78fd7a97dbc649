-- Up Migration
-- Trends at scale (issue 21, docs/decisions/0029-trend-rollups.md): 5-minute,
-- hourly and daily rollups per patient and vital (min, max, sum, count), kept
-- in ordinary tables on both databases and maintained by the platform's job
-- runner, so one code path serves TimescaleDB (embedded, production) and plain
-- PostgreSQL (decision 9) alike.
--
-- A stored reading marks its (patient, vital, UTC day) dirty; the refresh
-- recomputes the dirty days' buckets from the raw readings, so a late reading
-- (stored days after it was measured) updates its old buckets. A trend read
-- takes the rollups of clean days and the raw readings of dirty ones
-- (real-time aggregation: the newest readings are never missing).

CREATE TABLE measurement_rollups (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  type text NOT NULL,
  -- the bucket's width in seconds: 300, 3600 or 86400
  width integer NOT NULL CHECK (width IN (300, 3600, 86400)),
  bucket timestamptz NOT NULL,
  n integer NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  -- the mean is sum / n, and a wider bucket's sum is its parts' sum
  sum double precision NOT NULL,
  PRIMARY KEY (patient_id, type, width, bucket)
);

CREATE TABLE measurement_rollup_dirty (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  type text NOT NULL,
  day timestamptz NOT NULL,
  marked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, type, day)
);
CREATE INDEX measurement_rollup_dirty_marked ON measurement_rollup_dirty (marked_at);

-- A row trigger (TimescaleDB's hypertables take no transition tables, so no
-- statement trigger can see the rows). DO UPDATE … WHERE false writes nothing
-- for a day already dirty but locks its row: a refresh that takes the row
-- waits for this transaction to commit and then sees its reading, where DO
-- NOTHING would let the refresh drop the mark and miss the reading.
CREATE FUNCTION measurement_rollup_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO measurement_rollup_dirty (tenant_id, patient_id, type, day)
  VALUES (NEW.tenant_id, NEW.patient_id, NEW.type, date_bin(INTERVAL '1 day', NEW.measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'))
  ON CONFLICT (patient_id, type, day) DO UPDATE SET marked_at = measurement_rollup_dirty.marked_at WHERE false;
  RETURN NULL;
END $$;
CREATE TRIGGER measurements_mark_rollup_dirty AFTER INSERT OR UPDATE OF value, measured_at ON measurements
  FOR EACH ROW EXECUTE FUNCTION measurement_rollup_mark_dirty();

-- Recomputes at most max_days dirty days (oldest marks first); returns how many.
CREATE FUNCTION varde_refresh_rollups(max_days integer) RETURNS integer LANGUAGE plpgsql AS $$
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

-- The tenant wall (decisions 12, migration 0015) for the two new tenant tables.
DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['measurement_rollups', 'measurement_rollup_dirty'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format($p$
      CREATE POLICY tenant_wall ON %I TO varde_platform
        USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
        WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))$p$, tbl);
  END LOOP;
END $$;

-- Days stored before this migration: marked dirty, so the first refreshes build their rollups.
INSERT INTO measurement_rollup_dirty (tenant_id, patient_id, type, day)
SELECT DISTINCT tenant_id, patient_id, type, date_bin(INTERVAL '1 day', measured_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')
  FROM measurements
ON CONFLICT DO NOTHING;

-- Retention per tenant (issue 21): raw readings older than the tenant's
-- setting are deleted; null keeps them (the default: a municipality decides).
-- The rollups of whole days before the cutoff go with them, and the cutoff's
-- own day is recomputed from what is left, so a trend never shows what the
-- raw readings no longer hold. Never a reading younger than the setting: the
-- cutoff is `now - days` and only measured_at < cutoff is deleted.
ALTER TABLE tenants ADD COLUMN raw_retention_days integer CHECK (raw_retention_days BETWEEN 1 AND 36500);

CREATE FUNCTION varde_apply_retention(at timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
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

-- Down Migration
DROP FUNCTION varde_apply_retention(timestamptz);
ALTER TABLE tenants DROP COLUMN raw_retention_days;
DROP TRIGGER measurements_mark_rollup_dirty ON measurements;
DROP FUNCTION measurement_rollup_mark_dirty();
DROP FUNCTION varde_refresh_rollups(integer);
DROP TABLE measurement_rollup_dirty;
DROP TABLE measurement_rollups;
