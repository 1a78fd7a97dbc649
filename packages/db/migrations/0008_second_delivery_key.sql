-- Up Migration
-- Issue 14, defect 6 (device-protocol.md "Delivery, second key"): a gateway
-- that lost its outbox ids re-sends a measurement under a new batch id. A
-- reading whose patient, device, type, value and measured_at equal those of
-- a stored one is a duplicate, stored once, and raises no rule work. The key
-- (gateway, batchId, id) of measurement_keys stays; the second key is a
-- unique index on measurements itself, checked by the same statement
-- (see the function), so two flushes under way at once cannot both store it.
--
-- A reading whose time is the platform's receive time (flag
-- time-from-receipt: the gateway gave none) has no second key: two such
-- readings of one value may be two measurements. Its key part is NULL, and
-- NULLs never conflict in a unique index.
--
-- The index replaces measurements_patient_type_time: it starts with the same
-- columns (patient, type, time), so the queries by patient use it as they
-- used that one, and a stored reading still updates one index, not two (the
-- write path's cost, issue 3). A hypertable's unique index must contain its
-- time column; this one does. Plain SQL: the same on TimescaleDB and plain
-- PostgreSQL.

-- Readings stored twice before this migration (the defect) would stop the
-- unique index: the later copies go, the first received stays.
DELETE FROM measurements m
 WHERE NOT ('time-from-receipt' = ANY (m.flags))
   AND EXISTS (SELECT 1 FROM measurements d
                WHERE d.patient_id = m.patient_id AND d.type = m.type AND d.measured_at = m.measured_at
                  AND d.device_id = m.device_id AND d.value = m.value AND NOT ('time-from-receipt' = ANY (d.flags))
                  AND (d.received_at, d.id) < (m.received_at, m.id));

CREATE UNIQUE INDEX measurements_second_key ON measurements
  (patient_id, type, measured_at DESC, device_id, (CASE WHEN 'time-from-receipt' = ANY (flags) THEN NULL ELSE value END));
DROP INDEX measurements_patient_type_time;

-- Issue 14, defect 2: the raw input of a rejection is kept as text when the
-- database can hold it, else as base64 of its bytes (a payload that is not
-- UTF-8, or holds a NUL byte); raw_encoding says which.
ALTER TABLE rejections ADD COLUMN raw_encoding text NOT NULL DEFAULT 'text' CHECK (raw_encoding IN ('text', 'base64'));

-- The store statement (migration 0007) with the second key, the raw's
-- encoding, and as result the ids of the input readings not stored.
DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[], boolean[]);

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
  END IF;
END
$fn$;

-- Down Migration
DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[], boolean[], text[], boolean);
ALTER TABLE rejections DROP COLUMN raw_encoding;
CREATE INDEX measurements_patient_type_time ON measurements (patient_id, type, measured_at DESC);
DROP INDEX measurements_second_key;
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
  p_urgent boolean[]
) RETURNS TABLE (gateway_id text, batch_id text, measurement_id text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
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
    INSERT INTO rejections (tenant_id, gateway_id, batch_id, measurement_id, code, detail, raw, received_at)
    SELECT * FROM unnest(p_rej_tenant_ids, p_rej_gateway_ids, p_rej_batch_ids, p_rej_measurement_ids, p_rej_codes, p_rej_details,
                         p_rej_raws, p_rej_received_at)
    RETURNING 1
  ),
  -- the rules' durable to-do list (migration 0003): who has readings not yet judged
  -- urgent_seq: the sequence of the last store that brought a possibly red reading (migration 0007)
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
  -- the duplicates (rare) travel back, not every new key (about a tenth of a 2,000-reading flush)
  SELECT DISTINCT i.gateway_id, i.batch_id, i.measurement_id FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM new_keys k
                      WHERE k.gateway_id = i.gateway_id AND k.batch_id = i.batch_id AND k.measurement_id = i.measurement_id);
END
$fn$;
