-- Up Migration
-- Who else logs in (platform-contract.md "Demo mode", issues 18, 19, 25):
--  * privacy-officer (personvernombud): reviews the access log (loggkontroll)
--    and reads no health data through a care relationship of their own;
--  * patient: the patient themself, linked to exactly one patient row, who
--    sees only their own data (the patient's page);
--  * gp (fastlege): a practitioner outside the municipality, who reaches a
--    patient only through a care relationship (care_team_members, relation
--    'gp') and never as a municipal user.
-- A role grants nothing by itself: access to health data still follows the
-- care relationship (care-relationship.ts) or, for a patient, the link below.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
  CHECK (role IN ('nurse', 'clinician', 'admin', 'privacy-officer', 'patient', 'gp'));

ALTER TABLE users ADD COLUMN patient_id uuid;
ALTER TABLE users ADD CONSTRAINT users_patient_fk
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE;
-- A patient user is one patient; nobody else is linked to one.
ALTER TABLE users ADD CONSTRAINT users_patient_link CHECK ((role = 'patient') = (patient_id IS NOT NULL));
CREATE UNIQUE INDEX users_one_login_per_patient ON users (patient_id) WHERE patient_id IS NOT NULL;

-- The organisation an outside practitioner works for (a GP practice), shown
-- with their name; null for the municipality's own staff.
ALTER TABLE users ADD COLUMN organisation_name text;
