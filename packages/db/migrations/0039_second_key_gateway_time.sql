-- Up Migration
-- The second key against the clock fix (session 11; docs/decisions/0040-second-key-gateway-time.md;
-- device-protocol.md "Delivery, second key" and "## Time").
--
-- Migration 0008 keyed a reading on (patient, device, type, value,
-- measured_at) with measured_at AFTER the clock fix. A gateway minutes behind
-- that sends one reading per batch with sentAt = measuredAt has each moved to
-- its receive instant: distinct readings of one value received in one
-- millisecond were one (data lost), and a reading re-sent after a reboot that
-- synced the clock (another offset) was stored twice. The spec's measuredAt
-- is "the one the batch or the GATT value gives": the gateway's own time.
--
-- measurements.gateway_measured_at keeps that time beside the corrected
-- measured_at; NULL for a reading timed by its receipt (no gateway time: two
-- alike may be two measurements, and never match by time).
--
-- The key cannot be a unique index on measurements: a hypertable's unique
-- index must contain its partitioning column (measured_at, the corrected
-- time), and a re-send under another offset has another one. So the key is
-- its own small table, written in the store statement (as measurement_keys
-- is, migration 0001): a reading is stored only when its second key is new;
-- two flushes under way at once wait on the one key, and only one stores.
ALTER TABLE measurements ADD COLUMN gateway_measured_at timestamptz;
-- The readings stored before: one not clock-adjusted and not timed by its
-- receipt has the gateway's time as measured_at. A clock-adjusted one's
-- offset was not kept: it gets no second key (a re-send of it, rare, is
-- stored again rather than a distinct reading lost).
UPDATE measurements SET gateway_measured_at = measured_at
 WHERE NOT ('time-from-receipt' = ANY (flags)) AND NOT ('clock-adjusted' = ANY (flags));

CREATE TABLE measurement_second_keys (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  device_id text NOT NULL,
  type text NOT NULL,
  gateway_measured_at timestamptz NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (patient_id, device_id, type, gateway_measured_at, value)
);
-- the tenant wall of migration 0012 (packages/db/test/tenant-wall.test.ts checks every tenant table has it)
ALTER TABLE measurement_second_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON measurement_second_keys TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

INSERT INTO measurement_second_keys (tenant_id, patient_id, device_id, type, gateway_measured_at, value)
SELECT tenant_id, patient_id, device_id, type, gateway_measured_at, value FROM measurements
 WHERE gateway_measured_at IS NOT NULL
ON CONFLICT DO NOTHING;

-- A reading deleted (retention, migration 0028; anything else) takes its key
-- with it: the key holds health data (value, time) and must not outlive it.
CREATE FUNCTION varde_forget_second_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM measurement_second_keys k
   WHERE k.patient_id = OLD.patient_id AND k.device_id = OLD.device_id AND k.type = OLD.type
     AND k.gateway_measured_at = OLD.gateway_measured_at AND k.value = OLD.value;
  RETURN NULL;
END $$;
CREATE TRIGGER measurements_forget_second_key AFTER DELETE ON measurements
  FOR EACH ROW WHEN (OLD.gateway_measured_at IS NOT NULL) EXECUTE FUNCTION varde_forget_second_key();

-- The unique index of 0008 goes; its columns stay an index for the queries by patient and time.
CREATE INDEX measurements_patient_type_time ON measurements (patient_id, type, measured_at DESC);
DROP INDEX measurements_second_key;

-- The store statement: 0008's, with the gateway's times and the second key's table. One form:
-- 0008's plain INSERT first (and again with ON CONFLICT on a unique violation) was to spare the
-- hypertable an ON CONFLICT; the key's own table is a plain one (ingest bench, ADR 0040).
DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[], boolean[], text[], boolean);

CREATE FUNCTION varde_store_batches(
  p_gateway_ids text[],
  p_tenant_ids text[],
  p_patient_ids uuid[],
  p_batch_ids text[],
  p_measurement_ids text[],
  p_device_ids text[],
  p_types text[],
  p_values float8[],
  p_units text[],
  p_original_values float8[],
  p_original_units text[],
  p_measured_at timestamptz[],
  p_received_at timestamptz[],
  p_flags text[],
  p_sources text[],
  p_batteries smallint[],
  p_rej_tenant_ids text[],
  p_rej_gateway_ids text[],
  p_rej_batch_ids text[],
  p_rej_measurement_ids text[],
  p_rej_codes text[],
  p_rej_details text[],
  p_rej_raws text[],
  p_rej_received_at timestamptz[],
  p_seen_gateway_ids text[],
  p_reading_ids uuid[],
  p_urgent boolean[],
  p_rej_raw_encodings text[],
  p_gateway_measured_at timestamptz[]
) RETURNS TABLE (reading_id uuid)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(p_gateway_ids, p_tenant_ids, p_patient_ids, p_batch_ids, p_measurement_ids, p_device_ids, p_types,
                         p_values, p_units, p_original_values, p_original_units, p_measured_at,
                         p_received_at, p_flags, p_sources, p_batteries, p_reading_ids, p_urgent, p_gateway_measured_at)
      AS x(gateway_id, tenant_id, patient_id, batch_id, measurement_id, device_id, type, value, unit,
           original_value, original_unit, measured_at, received_at, flags, source, battery, id, urgent, gateway_measured_at)
  ),
  new_keys AS (
    INSERT INTO measurement_keys (gateway_id, batch_id, measurement_id, received_at)
    SELECT DISTINCT gateway_id, batch_id, measurement_id, received_at FROM input
    ON CONFLICT DO NOTHING
    RETURNING gateway_id, batch_id, measurement_id
  ),
  -- the second key of each reading of a new key that has one (a gateway time); storeBatches sends
  -- no two readings of one second key in a call, so each comes back at most once
  new_second_keys AS (
    INSERT INTO measurement_second_keys (tenant_id, patient_id, device_id, type, gateway_measured_at, value)
    SELECT i.tenant_id, i.patient_id, i.device_id, i.type, i.gateway_measured_at, i.value
      FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
     WHERE i.gateway_measured_at IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING patient_id, device_id, type, gateway_measured_at, value
  ),
  stored AS (
    INSERT INTO measurements (id, tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value,
                              unit, original_value, original_unit, measured_at, received_at, flags, source, gateway_measured_at)
    SELECT i.id, i.tenant_id, i.patient_id, i.gateway_id, i.device_id, i.batch_id, i.measurement_id, i.type, i.value,
           i.unit, i.original_value, i.original_unit, i.measured_at, i.received_at,
           coalesce(string_to_array(nullif(i.flags, ''), ','), '{}'), i.source, i.gateway_measured_at
      FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
     -- the second key: the same reading under another batch id (its key stored already) is not stored again
     -- (IN, not a correlated EXISTS: beside the OR, that ran once per row, a scan of the CTE each, 2,000² in a flush)
     WHERE i.gateway_measured_at IS NULL
        OR (i.patient_id, i.device_id, i.type, i.gateway_measured_at, i.value) IN (SELECT * FROM new_second_keys)
    RETURNING id, patient_id, tenant_id, received_at
  ),
  seen_devices AS (
    INSERT INTO devices (gateway_id, device_id, tenant_id, last_seen_at, battery)
    SELECT DISTINCT ON (gateway_id, device_id) gateway_id, device_id, tenant_id, received_at, battery
      FROM input ORDER BY gateway_id, device_id, (battery IS NULL), measured_at DESC
    ON CONFLICT (gateway_id, device_id) DO UPDATE
      SET last_seen_at = greatest(devices.last_seen_at, EXCLUDED.last_seen_at),
          battery = coalesce(EXCLUDED.battery, devices.battery)
      -- a new row version only when it says something new: a battery, or 5 s more of last seen
      WHERE EXCLUDED.last_seen_at > devices.last_seen_at + interval '5 seconds'
         OR (EXCLUDED.battery IS NOT NULL AND EXCLUDED.battery IS DISTINCT FROM devices.battery)
    RETURNING 1
  ),
  rejected AS (
    INSERT INTO rejections (tenant_id, gateway_id, batch_id, measurement_id, code, detail, raw, received_at, raw_encoding)
    SELECT * FROM unnest(p_rej_tenant_ids, p_rej_gateway_ids, p_rej_batch_ids, p_rej_measurement_ids, p_rej_codes, p_rej_details,
                         p_rej_raws, p_rej_received_at, p_rej_raw_encodings)
    RETURNING 1
  ),
  -- the rules' durable to-do list (migration 0003): who has readings not yet judged
  -- urgent_seq: the sequence of the last store that brought a possibly red reading (migration 0007)
  -- only readings stored now: one re-sent under a new batch id raises no rule work
  queued AS (
    INSERT INTO rule_work (patient_id, tenant_id, pending_since, urgent_seq)
    SELECT s.patient_id, min(s.tenant_id), min(s.received_at), CASE WHEN bool_or(i.urgent) THEN 1 END
      FROM stored s JOIN input i ON i.id = s.id
     GROUP BY s.patient_id
    ON CONFLICT (patient_id) DO UPDATE
      SET seq = rule_work.seq + 1, pending_since = least(rule_work.pending_since, EXCLUDED.pending_since),
          urgent_seq = CASE WHEN EXCLUDED.urgent_seq IS NOT NULL THEN rule_work.seq + 1 ELSE rule_work.urgent_seq END
    RETURNING 1
  ),
  touched AS (
    UPDATE gateways SET last_seen_at = now()
     WHERE id = ANY(p_seen_gateway_ids) AND (last_seen_at IS NULL OR last_seen_at < now() - interval '5 seconds')
    RETURNING 1
  )
  -- data-modifying CTEs always run to completion, read or not (PostgreSQL docs, 7.8.4); only
  -- the readings not stored (duplicates by either key, rare) travel back, not every stored one
  SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.id = i.id);
END
$fn$;

-- Down Migration
DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[], boolean[], text[], timestamptz[]);
DROP TRIGGER measurements_forget_second_key ON measurements;
DROP FUNCTION varde_forget_second_key();
DROP TABLE measurement_second_keys;
-- distinct readings stored since that 0008's key takes for one (clock-adjusted, received in one
-- millisecond) stop this index: the down migration fails rather than delete a measurement
CREATE UNIQUE INDEX measurements_second_key ON measurements
  (patient_id, type, measured_at DESC, device_id, (CASE WHEN 'time-from-receipt' = ANY (flags) THEN NULL ELSE value END));
DROP INDEX measurements_patient_type_time;
ALTER TABLE measurements DROP COLUMN gateway_measured_at;
CREATE FUNCTION varde_store_batches(
  p_gateway_ids text[],
  p_tenant_ids text[],
  p_patient_ids uuid[],
  p_batch_ids text[],
  p_measurement_ids text[],
  p_device_ids text[],
  p_types text[],
  p_values float8[],
  p_units text[],
  p_original_values float8[],
  p_original_units text[],
  p_measured_at timestamptz[],
  p_received_at timestamptz[],
  p_flags text[],
  p_sources text[],
  p_batteries smallint[],
  p_rej_tenant_ids text[],
  p_rej_gateway_ids text[],
  p_rej_batch_ids text[],
  p_rej_measurement_ids text[],
  p_rej_codes text[],
  p_rej_details text[],
  p_rej_raws text[],
  p_rej_received_at timestamptz[],
  p_seen_gateway_ids text[],
  p_reading_ids uuid[],
  p_urgent boolean[],
  p_rej_raw_encodings text[],
  p_skip_alike boolean
) RETURNS TABLE (reading_id uuid)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  -- Two forms of one statement. Ordinarily no reading is stored already (a re-send under a new batch id
  -- is rare): a plain INSERT, and a reading stored already fails it on measurements_second_key (23505);
  -- storeBatches then calls again with p_skip_alike, whose INSERT skips such readings (ON CONFLICT DO
  -- NOTHING). That check of every row cost 13 % of a 2,000-reading statement on the embedded database
  -- (72 → 83 ms), too much to pay for the rare case.
  IF p_skip_alike THEN
    RETURN QUERY
    WITH input AS (
      SELECT * FROM unnest(p_gateway_ids, p_tenant_ids, p_patient_ids, p_batch_ids, p_measurement_ids, p_device_ids, p_types,
                           p_values, p_units, p_original_values, p_original_units, p_measured_at,
                           p_received_at, p_flags, p_sources, p_batteries, p_reading_ids, p_urgent)
        AS x(gateway_id, tenant_id, patient_id, batch_id, measurement_id, device_id, type, value, unit,
             original_value, original_unit, measured_at, received_at, flags, source, battery, id, urgent)
    ),
    new_keys AS (
      INSERT INTO measurement_keys (gateway_id, batch_id, measurement_id, received_at)
      SELECT DISTINCT gateway_id, batch_id, measurement_id, received_at FROM input
      ON CONFLICT DO NOTHING
      RETURNING gateway_id, batch_id, measurement_id
    ),
    stored AS (
      INSERT INTO measurements (id, tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value,
                                unit, original_value, original_unit, measured_at, received_at, flags, source)
      SELECT i.id, i.tenant_id, i.patient_id, i.gateway_id, i.device_id, i.batch_id, i.measurement_id, i.type, i.value,
             i.unit, i.original_value, i.original_unit, i.measured_at, i.received_at,
             coalesce(string_to_array(nullif(i.flags, ''), ','), '{}'), i.source
        FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
      -- the second key (measurements_second_key): the same reading under another batch id is not stored again
      ON CONFLICT DO NOTHING
      RETURNING id, patient_id, tenant_id, received_at
    ),
    seen_devices AS (
      INSERT INTO devices (gateway_id, device_id, tenant_id, last_seen_at, battery)
      SELECT DISTINCT ON (gateway_id, device_id) gateway_id, device_id, tenant_id, received_at, battery
        FROM input ORDER BY gateway_id, device_id, (battery IS NULL), measured_at DESC
      ON CONFLICT (gateway_id, device_id) DO UPDATE
        SET last_seen_at = greatest(devices.last_seen_at, EXCLUDED.last_seen_at),
            battery = coalesce(EXCLUDED.battery, devices.battery)
        -- a new row version only when it says something new: a battery, or 5 s more of last seen
        WHERE EXCLUDED.last_seen_at > devices.last_seen_at + interval '5 seconds'
           OR (EXCLUDED.battery IS NOT NULL AND EXCLUDED.battery IS DISTINCT FROM devices.battery)
      RETURNING 1
    ),
    rejected AS (
      INSERT INTO rejections (tenant_id, gateway_id, batch_id, measurement_id, code, detail, raw, received_at, raw_encoding)
      SELECT * FROM unnest(p_rej_tenant_ids, p_rej_gateway_ids, p_rej_batch_ids, p_rej_measurement_ids, p_rej_codes, p_rej_details,
                           p_rej_raws, p_rej_received_at, p_rej_raw_encodings)
      RETURNING 1
    ),
    -- the rules' durable to-do list (migration 0003): who has readings not yet judged
    -- urgent_seq: the sequence of the last store that brought a possibly red reading (migration 0007)
    -- only readings stored now: one re-sent under a new batch id raises no rule work
    queued AS (
      INSERT INTO rule_work (patient_id, tenant_id, pending_since, urgent_seq)
      SELECT s.patient_id, min(s.tenant_id), min(s.received_at), CASE WHEN bool_or(i.urgent) THEN 1 END
        FROM stored s JOIN input i ON i.id = s.id
       GROUP BY s.patient_id
      ON CONFLICT (patient_id) DO UPDATE
        SET seq = rule_work.seq + 1, pending_since = least(rule_work.pending_since, EXCLUDED.pending_since),
            urgent_seq = CASE WHEN EXCLUDED.urgent_seq IS NOT NULL THEN rule_work.seq + 1 ELSE rule_work.urgent_seq END
      RETURNING 1
    ),
    touched AS (
      UPDATE gateways SET last_seen_at = now()
       WHERE id = ANY(p_seen_gateway_ids) AND (last_seen_at IS NULL OR last_seen_at < now() - interval '5 seconds')
      RETURNING 1
    )
    -- data-modifying CTEs always run to completion, read or not (PostgreSQL docs, 7.8.4); only
    -- the readings not stored (duplicates by either key, rare) travel back, not every stored one
    SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.id = i.id);
  ELSE
    -- every reading of a new key is stored (or the statement fails): migration 0007's form, reading new_keys
    RETURN QUERY
    WITH input AS (
      SELECT * FROM unnest(p_gateway_ids, p_tenant_ids, p_patient_ids, p_batch_ids, p_measurement_ids, p_device_ids, p_types,
                           p_values, p_units, p_original_values, p_original_units, p_measured_at,
                           p_received_at, p_flags, p_sources, p_batteries, p_reading_ids, p_urgent)
        AS x(gateway_id, tenant_id, patient_id, batch_id, measurement_id, device_id, type, value, unit,
             original_value, original_unit, measured_at, received_at, flags, source, battery, id, urgent)
    ),
    new_keys AS (
      INSERT INTO measurement_keys (gateway_id, batch_id, measurement_id, received_at)
      SELECT DISTINCT gateway_id, batch_id, measurement_id, received_at FROM input
      ON CONFLICT DO NOTHING
      RETURNING gateway_id, batch_id, measurement_id
    ),
    stored AS (
      INSERT INTO measurements (id, tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value,
                                unit, original_value, original_unit, measured_at, received_at, flags, source)
      SELECT i.id, i.tenant_id, i.patient_id, i.gateway_id, i.device_id, i.batch_id, i.measurement_id, i.type, i.value,
             i.unit, i.original_value, i.original_unit, i.measured_at, i.received_at,
             coalesce(string_to_array(nullif(i.flags, ''), ','), '{}'), i.source
        FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
      RETURNING 1
    ),
    seen_devices AS (
      INSERT INTO devices (gateway_id, device_id, tenant_id, last_seen_at, battery)
      SELECT DISTINCT ON (gateway_id, device_id) gateway_id, device_id, tenant_id, received_at, battery
        FROM input ORDER BY gateway_id, device_id, (battery IS NULL), measured_at DESC
      ON CONFLICT (gateway_id, device_id) DO UPDATE
        SET last_seen_at = greatest(devices.last_seen_at, EXCLUDED.last_seen_at),
            battery = coalesce(EXCLUDED.battery, devices.battery)
        -- a new row version only when it says something new: a battery, or 5 s more of last seen
        WHERE EXCLUDED.last_seen_at > devices.last_seen_at + interval '5 seconds'
           OR (EXCLUDED.battery IS NOT NULL AND EXCLUDED.battery IS DISTINCT FROM devices.battery)
      RETURNING 1
    ),
    rejected AS (
      INSERT INTO rejections (tenant_id, gateway_id, batch_id, measurement_id, code, detail, raw, received_at, raw_encoding)
      SELECT * FROM unnest(p_rej_tenant_ids, p_rej_gateway_ids, p_rej_batch_ids, p_rej_measurement_ids, p_rej_codes, p_rej_details,
                           p_rej_raws, p_rej_received_at, p_rej_raw_encodings)
      RETURNING 1
    ),
    -- the rules' durable to-do list (migration 0003): who has readings not yet judged
    -- urgent_seq: the sequence of the last store that brought a possibly red reading (migration 0007)
    -- only readings stored now: one re-sent under a new batch id raises no rule work
    queued AS (
      INSERT INTO rule_work (patient_id, tenant_id, pending_since, urgent_seq)
      SELECT i.patient_id, min(i.tenant_id), min(i.received_at), CASE WHEN bool_or(i.urgent) THEN 1 END
        FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
       GROUP BY i.patient_id
      ON CONFLICT (patient_id) DO UPDATE
        SET seq = rule_work.seq + 1, pending_since = least(rule_work.pending_since, EXCLUDED.pending_since),
            urgent_seq = CASE WHEN EXCLUDED.urgent_seq IS NOT NULL THEN rule_work.seq + 1 ELSE rule_work.urgent_seq END
      RETURNING 1
    ),
    touched AS (
      UPDATE gateways SET last_seen_at = now()
       WHERE id = ANY(p_seen_gateway_ids) AND (last_seen_at IS NULL OR last_seen_at < now() - interval '5 seconds')
      RETURNING 1
    )
    -- data-modifying CTEs always run to completion, read or not (PostgreSQL docs, 7.8.4); only
    -- the readings not stored (duplicates by either key, rare) travel back, not every stored one
    SELECT i.id FROM input i
     WHERE NOT EXISTS (SELECT 1 FROM new_keys k
                        WHERE k.gateway_id = i.gateway_id AND k.batch_id = i.batch_id AND k.measurement_id = i.measurement_id);
  END IF;
END
$fn$;

