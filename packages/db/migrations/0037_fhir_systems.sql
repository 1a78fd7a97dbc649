-- Up Migration
-- FHIR for other systems (issue 22; docs/decisions/0038): when a served record
-- last changed (meta.lastUpdated), and machine clients (SMART Backend Services:
-- OAuth 2.0 client credentials with private_key_jwt).

-- 1. meta.lastUpdated. Readings never change (an Observation's is the time it was
-- received); a patient, a user (Practitioner), a tenant (Organization) and a
-- gateway (Device) get updated_at, moved by a trigger when a column FHIR serves
-- changes (a gateway's last_seen_at and battery move with every batch and are not
-- served, so they do not count). Rows that exist take their created_at.
CREATE FUNCTION varde_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

ALTER TABLE patients ADD COLUMN updated_at timestamptz;
UPDATE patients SET updated_at = created_at;
ALTER TABLE patients ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN updated_at SET NOT NULL;
CREATE TRIGGER patients_updated_at BEFORE UPDATE OF national_id, display_name, birth_date, service_state ON patients
  FOR EACH ROW WHEN (OLD.national_id IS DISTINCT FROM NEW.national_id OR OLD.display_name IS DISTINCT FROM NEW.display_name
    OR OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.service_state IS DISTINCT FROM NEW.service_state)
  EXECUTE FUNCTION varde_touch_updated_at();

ALTER TABLE users ADD COLUMN updated_at timestamptz;
UPDATE users SET updated_at = created_at;
ALTER TABLE users ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN updated_at SET NOT NULL;
CREATE TRIGGER users_updated_at BEFORE UPDATE OF display_name, hpr_number, role, organisation_name, disabled_at ON users
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.hpr_number IS DISTINCT FROM NEW.hpr_number
    OR OLD.role IS DISTINCT FROM NEW.role OR OLD.organisation_name IS DISTINCT FROM NEW.organisation_name OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
  EXECUTE FUNCTION varde_touch_updated_at();

ALTER TABLE tenants ADD COLUMN updated_at timestamptz;
UPDATE tenants SET updated_at = created_at;
ALTER TABLE tenants ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN updated_at SET NOT NULL;
CREATE TRIGGER tenants_updated_at BEFORE UPDATE OF name, organisation_number, municipality_number ON tenants
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.organisation_number IS DISTINCT FROM NEW.organisation_number
    OR OLD.municipality_number IS DISTINCT FROM NEW.municipality_number)
  EXECUTE FUNCTION varde_touch_updated_at();

ALTER TABLE gateways ADD COLUMN updated_at timestamptz;
UPDATE gateways SET updated_at = created_at;
ALTER TABLE gateways ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN updated_at SET NOT NULL;
CREATE TRIGGER gateways_updated_at BEFORE UPDATE OF patient_id, firmware, revoked_at ON gateways
  FOR EACH ROW WHEN (OLD.patient_id IS DISTINCT FROM NEW.patient_id OR OLD.firmware IS DISTINCT FROM NEW.firmware
    OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
  EXECUTE FUNCTION varde_touch_updated_at();

-- 2. Machine clients: a hospital's system, registered by the tenant with its public
-- keys (a JWKS) and the organisation it acts for. It sees the patients on whose care
-- team that organisation has an active relationship (care-relationship.ts), as a
-- user sees those on whose team they are; its id stands where a user's would.
CREATE TABLE fhir_clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants (id),
  -- the OAuth client_id (the assertion's iss and sub), unique over the platform: the token endpoint knows no tenant
  client_id text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9._:-]{3,100}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  organisation_number text NOT NULL CHECK (organisation_number ~ '^[0-9]{9}$'),
  -- public keys only (RFC 7517 key set); a private member is refused where a client is registered
  jwks jsonb NOT NULL CHECK (jsonb_typeof(jwks -> 'keys') = 'array'),
  -- the SMART scopes it may be given (system/<Type>.read, system/*.read)
  scopes text[] NOT NULL DEFAULT ARRAY['system/*.read'],
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  UNIQUE (tenant_id, id)
);

-- Each assertion is used once (RFC 7523 §3 item 7, SMART Backend Services: jti):
-- kept until its exp, so a replay within its life is refused.
CREATE TABLE fhir_client_assertions (
  client_uuid uuid NOT NULL REFERENCES fhir_clients (id) ON DELETE CASCADE,
  jti text NOT NULL CHECK (length(jti) BETWEEN 1 AND 255),
  tenant_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_uuid, jti)
);
CREATE INDEX fhir_client_assertions_expiry ON fhir_client_assertions (expires_at);

-- Access tokens: opaque, short, stored as their hash (as sessions are).
CREATE TABLE fhir_client_tokens (
  token_hash text PRIMARY KEY,
  client_uuid uuid NOT NULL REFERENCES fhir_clients (id) ON DELETE CASCADE,
  tenant_id text NOT NULL,
  scopes text[] NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX fhir_client_tokens_expiry ON fhir_client_tokens (expires_at);

-- the tenant wall (migrations 0012, 0015) for the new tables
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['fhir_clients', 'fhir_client_assertions', 'fhir_client_tokens'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$
      CREATE POLICY tenant_wall ON %I TO varde_platform
        USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
        WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))$p$, t);
  END LOOP;
END $$;

-- Down Migration
DROP TABLE fhir_client_tokens, fhir_client_assertions, fhir_clients;
DROP TRIGGER gateways_updated_at ON gateways;
DROP TRIGGER tenants_updated_at ON tenants;
DROP TRIGGER users_updated_at ON users;
DROP TRIGGER patients_updated_at ON patients;
ALTER TABLE gateways DROP COLUMN updated_at;
ALTER TABLE tenants DROP COLUMN updated_at;
ALTER TABLE users DROP COLUMN updated_at;
ALTER TABLE patients DROP COLUMN updated_at;
DROP FUNCTION varde_touch_updated_at();
