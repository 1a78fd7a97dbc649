-- Up Migration
-- Foundation schema. Tenant isolation: every row that belongs to a
-- municipality carries tenant_id, and references between tenant-owned rows
-- use composite (tenant_id, id) foreign keys, so a row of one tenant can never
-- point at another tenant's patient or user. (Row-level security needs a
-- per-session setting, which the embedded single-session database cannot
-- give; see docs/decisions/0002-tenant-isolation.md.)
-- TimescaleDB when the server has it (embedded, production); on a plain
-- PostgreSQL server the Timescale-only statements below are skipped, each with
-- a NOTICE that migrate.ts logs (docs/decisions/0009-plain-postgresql.md).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  ELSE
    RAISE NOTICE 'without-timescaledb: extension timescaledb is not available on this server; plain PostgreSQL tables';
  END IF;
END $$;

CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{2,40}$'),
  name text NOT NULL,
  -- device-protocol.md: `unknown-device` only when the tenant requires pairing
  requires_device_pairing boolean NOT NULL DEFAULT false,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants (id),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('nurse', 'clinician', 'admin')),
  password_hash text NOT NULL,
  hpr_number text,
  is_demo boolean NOT NULL DEFAULT false,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);

CREATE TABLE patients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants (id),
  -- Norwegian national identity number (urn:oid:2.16.578.1.12.4.1.4.1)
  national_id text,
  display_name text NOT NULL,
  birth_date date,
  conditions text[] NOT NULL DEFAULT '{}'
    CHECK (conditions <@ ARRAY['copd', 'heart-failure', 'diabetes', 'hypertension']::text[]),
  -- DOMAIN.md: a paused service (e.g. a hospital stay) and an ended one are states the platform knows
  service_state text NOT NULL DEFAULT 'active' CHECK (service_state IN ('active', 'paused', 'ended')),
  -- the patient's objection (reservasjon) to sharing beyond the primary care team
  objects_to_sharing boolean NOT NULL DEFAULT false,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, national_id)
);

-- Who gives the patient care: access to health data follows this relationship.
CREATE TABLE care_team_members (
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  user_id uuid NOT NULL,
  relation text NOT NULL CHECK (relation IN ('home-care', 'gp', 'hospital', 'response-centre')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, user_id),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX care_team_members_user ON care_team_members (user_id);

CREATE TABLE gateways (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{3,64}$'),
  tenant_id text NOT NULL REFERENCES tenants (id),
  patient_id uuid,
  -- argon2id; the secret itself is shown once at provisioning and never stored
  secret_hash text NOT NULL,
  state text NOT NULL DEFAULT 'unknown' CHECK (state IN ('online', 'offline', 'unknown')),
  firmware text,
  battery smallint CHECK (battery BETWEEN 0 AND 100),
  last_seen_at timestamptz,
  revoked_at timestamptz,
  is_demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
CREATE INDEX gateways_patient ON gateways (patient_id);

CREATE TABLE devices (
  gateway_id text NOT NULL REFERENCES gateways (id),
  device_id text NOT NULL,
  tenant_id text NOT NULL,
  paired_at timestamptz,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  battery smallint CHECK (battery BETWEEN 0 AND 100),
  PRIMARY KEY (gateway_id, device_id),
  FOREIGN KEY (tenant_id, gateway_id) REFERENCES gateways (tenant_id, id)
);
CREATE INDEX devices_device_id ON devices (device_id);

-- The idempotency key of device-protocol.md: (gateway, batchId, id). Written in
-- the same statement as the readings, so a re-delivered measurement is
-- recognised as a duplicate and never stored twice.
CREATE TABLE measurement_keys (
  gateway_id text NOT NULL,
  batch_id text NOT NULL,
  measurement_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gateway_id, batch_id, measurement_id)
);

CREATE TABLE measurements (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  gateway_id text NOT NULL,
  device_id text NOT NULL,
  batch_id text NOT NULL,
  measurement_id text NOT NULL,
  type text NOT NULL,
  value double precision NOT NULL,
  unit text NOT NULL,
  original_value double precision,
  original_unit text,
  measured_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  flags text[] NOT NULL DEFAULT '{}',
  source text NOT NULL CHECK (source IN ('decoded', 'gatt')),
  -- a hypertable's unique keys must contain its time column; together with
  -- measurement_keys this makes re-delivery harmless
  UNIQUE (gateway_id, batch_id, measurement_id, type, measured_at)
);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('measurements', by_range('measured_at', INTERVAL '7 days'));
  ELSE
    RAISE NOTICE 'without-timescaledb: measurements is a plain table (no 7-day chunks); every query of it goes by patient and time through its own index';
  END IF;
END $$;
CREATE INDEX measurements_patient_type_time ON measurements (patient_id, type, measured_at DESC);

-- Everything a gateway sent that was not stored as a reading, with the raw
-- input, for review (device-protocol.md "Receipts").
CREATE TABLE rejections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text,
  gateway_id text NOT NULL,
  batch_id text,
  measurement_id text,
  code text NOT NULL,
  detail text NOT NULL,
  raw text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejections_gateway_time ON rejections (gateway_id, received_at DESC);

CREATE TABLE sessions (
  -- sha256 of the cookie token: a leaked table does not leak sessions
  token_hash text PRIMARY KEY,
  tenant_id text NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- tilgangslogg: every read of health data, for log control (loggkontroll)
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  tenant_id text NOT NULL,
  actor_user_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text,
  patient_id uuid,
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_patient_time ON audit_log (patient_id, at DESC);
CREATE INDEX audit_log_actor_time ON audit_log (actor_user_id, at DESC);

-- Down Migration
DROP TABLE audit_log, sessions, rejections, measurements, measurement_keys, devices, gateways,
  care_team_members, patients, users, tenants;
