-- Up Migration
-- Patients log in with ID-porten (issue 25; docs/decisions/0039-idporten-patient-login.md).
-- The ID token's pid (national identity number) is matched to the patient's
-- record (patients.national_id, migration 0001) and on to the patient user
-- linked to it (users.patient_id, migration 0010); the number itself is not
-- kept in the session. A session says it came from ID-porten (auth_method) and
-- keeps its ID token for single logout, as a HelseID session does.
ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check CHECK (auth_method IN ('password', 'helseid', 'idporten'));

-- the lookup of a login, across tenants (the unique key leads with tenant_id)
CREATE INDEX patients_national_id ON patients (national_id) WHERE national_id IS NOT NULL;

-- The lowest ID-porten level a patient's login to the tenant may have: high
-- (BankID and the like, earlier "nivå 4") for health data, as the Norm asks;
-- a tenant may accept substantial (MinID, "nivå 3").
ALTER TABLE tenants ADD COLUMN min_idporten_level text NOT NULL DEFAULT 'idporten-loa-high'
  CHECK (min_idporten_level IN ('idporten-loa-substantial', 'idporten-loa-high'));

-- Down Migration
DROP INDEX patients_national_id;
ALTER TABLE tenants DROP COLUMN min_idporten_level;
DELETE FROM sessions WHERE auth_method = 'idporten';
ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check CHECK (auth_method IN ('password', 'helseid'));
