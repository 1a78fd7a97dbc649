-- Up Migration
-- The patient's course of service (issue 17; docs/decisions/0017-service-course.md):
-- henvisning → vedtak → oppstart → løpende oppfølging → pause → avslutte.
-- A contact phone from enrolment, the self-care plan (egenbehandlingsplan)
-- nurses read, the states with their history and reasons, and the outcome an
-- alert is resolved with when the service ends.
ALTER TABLE patients
  ADD COLUMN contact_phone text CHECK (contact_phone ~ '^\+?[0-9 ]{5,20}$'),
  ADD COLUMN self_care_plan text NOT NULL DEFAULT '' CHECK (length(self_care_plan) <= 4000),
  ADD COLUMN self_care_plan_updated_at timestamptz,
  ADD COLUMN self_care_plan_updated_by text,
  -- the start-up period (oppstart, Helsedirektoratet's 2–4 week baseline): from enrolment until this
  ADD COLUMN startup_ends_at timestamptz,
  ADD COLUMN ended_at timestamptz;
ALTER TABLE patients DROP CONSTRAINT patients_service_state_check;
ALTER TABLE patients ADD CONSTRAINT patients_service_state_check
  CHECK (service_state IN ('referred', 'active', 'paused', 'ended'));

-- Every change of a patient's service state, with who and why; never updated.
CREATE TABLE service_state_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  from_state text,
  to_state text NOT NULL CHECK (to_state IN ('referred', 'active', 'paused', 'ended')),
  reason text CHECK (length(reason) <= 500),
  by_user_id uuid,
  by_name text NOT NULL,
  at timestamptz NOT NULL DEFAULT varde_now(),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX service_state_changes_patient ON service_state_changes (patient_id, id);
ALTER TABLE service_state_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON service_state_changes TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Ending the service resolves the patient's open alerts with this outcome.
ALTER TABLE alerts DROP CONSTRAINT alerts_outcome_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_outcome_check
  CHECK (outcome IN ('contacted-patient', 'adjusted-plan', 'contacted-gp', 'no-action-needed', 'false-alarm', 'service-ended'));

-- The demo seed's national ids had no valid check digits; the seed now has
-- valid ones (same birth dates), and a demo database seeded before is moved
-- to them so it is not seeded twice. Demo patients only.
UPDATE patients p SET national_id = m.new_id
  FROM (VALUES
  ('12814112345', '12814112355'),
  ('03823823456', '03823823400'),
  ('24855234567', '24855234501'),
  ('15874745678', '15874745615'),
  ('30893656789', '30893656711'),
  ('07904467890', '07904467876'),
  ('19915078901', '19915078969'),
  ('11924289012', '11924289130'),
  ('05813990123', '05813990220'),
  ('22834801234', '22834801233'),
  ('09865512340', '09865512470'),
  ('28884323451', '28884323411'),
  ('16903734562', '16903734535'),
  ('02924645673', '02924645604')) AS m(old_id, new_id)
 WHERE p.is_demo AND p.national_id = m.old_id;

-- Down Migration
ALTER TABLE alerts DROP CONSTRAINT alerts_outcome_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_outcome_check
  CHECK (outcome IN ('contacted-patient', 'adjusted-plan', 'contacted-gp', 'no-action-needed', 'false-alarm'));
DROP TABLE service_state_changes;
ALTER TABLE patients DROP CONSTRAINT patients_service_state_check;
ALTER TABLE patients ADD CONSTRAINT patients_service_state_check CHECK (service_state IN ('active', 'paused', 'ended'));
ALTER TABLE patients DROP COLUMN ended_at, DROP COLUMN startup_ends_at, DROP COLUMN self_care_plan_updated_by,
  DROP COLUMN self_care_plan_updated_at, DROP COLUMN self_care_plan, DROP COLUMN contact_phone;
