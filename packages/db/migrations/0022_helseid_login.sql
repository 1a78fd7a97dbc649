-- Up Migration
-- Login with HelseID (issue 24; docs/decisions/0021-helseid-login.md).
-- A HelseID login is matched to a Varde user by HPR number (users.hpr_number,
-- from migration 0001) or, for personnel without one, by the national-id
-- pseudonym HelseID gives (never the national id itself). Each names one
-- user within a tenant.
ALTER TABLE users ADD COLUMN pid_pseudonym text;
CREATE UNIQUE INDEX users_tenant_hpr_number ON users (tenant_id, hpr_number) WHERE hpr_number IS NOT NULL;
CREATE UNIQUE INDEX users_tenant_pid_pseudonym ON users (tenant_id, pid_pseudonym) WHERE pid_pseudonym IS NOT NULL;

-- The lowest HelseID security level a login to the tenant may have: 4 (high,
-- e.g. BankID) for health data, the Norm's requirement.
ALTER TABLE tenants ADD COLUMN min_security_level smallint NOT NULL DEFAULT 4 CHECK (min_security_level BETWEEN 1 AND 4);

-- Every session (password ones too) ends after 30 min without a request (idle)
-- and 12 h after login (absolute, expires_at): last_seen_at keeps the first.
-- auth_time: when the user last proved who they are (emergency access asks
-- for a recent one). A HelseID session keeps its claims (HPR number, security
-- level, organisation, the trust framework's authorization_details) for the
-- access log, and its ID token for single logout (id_token_hint).
ALTER TABLE sessions
  ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN auth_time timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN auth_method text NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'helseid')),
  ADD COLUMN identity jsonb,
  ADD COLUMN id_token text;

-- Down Migration
ALTER TABLE sessions DROP COLUMN id_token, DROP COLUMN identity, DROP COLUMN auth_method, DROP COLUMN auth_time, DROP COLUMN last_seen_at;
ALTER TABLE tenants DROP COLUMN min_security_level;
DROP INDEX users_tenant_pid_pseudonym;
DROP INDEX users_tenant_hpr_number;
ALTER TABLE users DROP COLUMN pid_pseudonym;
