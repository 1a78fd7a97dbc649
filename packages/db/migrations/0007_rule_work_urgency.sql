-- Up Migration
-- Patients with a possibly red reading are judged first (issue 5: a red
-- reading must reach the nurse within a second, also while thousands of
-- routine readings a second queue their patients). Ingest marks each reading
-- (`isPossiblyRed` in @varde/domain: in any profile's red band, not late);
-- the store records the queue sequence of the last such store in
-- rule_work.urgent_seq; the rules worker claims urgent patients before all
-- others, in rounds of their own; a patient put back after judging stays
-- urgent only if a possibly red reading came meanwhile.
ALTER TABLE rule_work ADD COLUMN urgent_seq bigint;

DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[]);

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

-- Down Migration
DROP FUNCTION varde_store_batches(text[], text[], uuid[], text[], text[], text[], text[], float8[], text[], float8[], text[], timestamptz[], timestamptz[], text[], text[], smallint[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], uuid[], boolean[]);
ALTER TABLE rule_work DROP COLUMN urgent_seq;
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
  p_reading_ids uuid[]
) RETURNS TABLE (gateway_id text, batch_id text, measurement_id text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(p_gateway_ids, p_tenant_ids, p_patient_ids, p_batch_ids, p_measurement_ids, p_device_ids, p_types,
                         p_values, p_units, p_original_values, p_original_units, p_measured_at,
                         p_received_at, p_flags, p_sources, p_batteries, p_reading_ids)
      AS x(gateway_id, tenant_id, patient_id, batch_id, measurement_id, device_id, type, value, unit,
           original_value, original_unit, measured_at, received_at, flags, source, battery, id)
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
  queued AS (
    INSERT INTO rule_work (patient_id, tenant_id, pending_since)
    SELECT i.patient_id, min(i.tenant_id), min(i.received_at)
      FROM input i JOIN new_keys k USING (gateway_id, batch_id, measurement_id)
     GROUP BY i.patient_id
    ON CONFLICT (patient_id) DO UPDATE
      SET seq = rule_work.seq + 1, pending_since = least(rule_work.pending_since, EXCLUDED.pending_since)
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
