-- Up Migration
-- The national route Pasientens måledata (PMD 2.0) beside FHIR REST, per-reading
-- dead letters (PMD answers each reading on its own), and the weekly summary
-- (issue 18; docs/decisions/0018).

-- Who sends, as PMD names it: the municipality number (the Bundle's meta.tag,
-- SOSI kommunenummer) and the organisation number of the responsible
-- organisation (each Observation's performer, Enhetsregisteret).
ALTER TABLE tenants
  ADD COLUMN municipality_number text CHECK (municipality_number ~ '^[0-9]{4}$'),
  ADD COLUMN organisation_number text CHECK (organisation_number ~ '^[0-9]{9}$');

-- A PMD recipient's base URL is configuration (VARDE_PMD_BASE_URL: a municipality
-- in the trial points Varde at it and nothing else changes), so it may be null.
ALTER TABLE forwarding_recipients DROP CONSTRAINT forwarding_recipients_check;
ALTER TABLE forwarding_recipients
  ADD CONSTRAINT forwarding_recipients_address CHECK (base_url IS NOT NULL OR is_demo OR transport = 'pmd'),
  ADD COLUMN sends_weekly_summary boolean NOT NULL DEFAULT false;

-- The weekly summary is a delivery of its own kind, over a window like the readings.
ALTER TABLE forwarding_outbox DROP CONSTRAINT forwarding_outbox_kind_check;
ALTER TABLE forwarding_outbox DROP CONSTRAINT forwarding_outbox_check1;
ALTER TABLE forwarding_outbox
  ADD CONSTRAINT forwarding_outbox_kind_check CHECK (kind IN ('alert', 'readings', 'summary')),
  ADD CONSTRAINT forwarding_outbox_window CHECK ((kind IN ('readings', 'summary')) = (window_start IS NOT NULL AND window_end IS NOT NULL));
CREATE UNIQUE INDEX forwarding_outbox_one_summary ON forwarding_outbox (recipient_id, patient_id, window_start) WHERE kind = 'summary';

-- A reading the recipient refused on its own (a 4xx for its entry of the batch)
-- while the others were delivered: a dead letter for that reading only, kept
-- for review. The reason is a status and code, never health data.
CREATE TABLE forwarding_dead_readings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  outbox_id bigint NOT NULL REFERENCES forwarding_outbox (id) ON DELETE CASCADE,
  measurement_id uuid NOT NULL,
  status text NOT NULL CHECK (length(status) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (outbox_id, measurement_id)
);
CREATE INDEX forwarding_dead_readings_measurement ON forwarding_dead_readings (measurement_id);

-- the tenant wall (migrations 0012, 0015) for the new table
ALTER TABLE forwarding_dead_readings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON forwarding_dead_readings TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Down Migration
DROP TABLE forwarding_dead_readings;
DELETE FROM forwarding_outbox WHERE kind = 'summary';
DROP INDEX forwarding_outbox_one_summary;
ALTER TABLE forwarding_outbox DROP CONSTRAINT forwarding_outbox_window, DROP CONSTRAINT forwarding_outbox_kind_check;
ALTER TABLE forwarding_outbox
  ADD CONSTRAINT forwarding_outbox_kind_check CHECK (kind IN ('alert', 'readings')),
  ADD CONSTRAINT forwarding_outbox_check1 CHECK ((kind = 'readings') = (window_start IS NOT NULL AND window_end IS NOT NULL));
ALTER TABLE forwarding_recipients DROP COLUMN sends_weekly_summary, DROP CONSTRAINT forwarding_recipients_address;
ALTER TABLE forwarding_recipients ADD CONSTRAINT forwarding_recipients_check CHECK (base_url IS NOT NULL OR is_demo);
ALTER TABLE tenants DROP COLUMN municipality_number, DROP COLUMN organisation_number;
