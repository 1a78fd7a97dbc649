-- Up Migration
-- Log control (loggkontroll, issue 19; docs/decisions/0019-log-control.md).
--
-- 1. Tamper evidence. The access log (tilgangslogg) is append-only for
--    everyone but a DBA who disables the trigger on purpose: a trigger refuses
--    UPDATE, DELETE and TRUNCATE (the embedded database has no roles to
--    REVOKE from; on a real server migration 0009 revoked them from
--    varde_platform too). Each entry is hash-chained to the previous entry of
--    its tenant: hash = sha256(prev_hash || '|' || audit_canonical(row)), in a
--    per-tenant sequence (seq 1, 2, …). The chain is written by a BEFORE
--    INSERT trigger, so every path that writes the log (the access layer's
--    inserts and the statements that write their own entry, decision 1) is
--    chained without knowing it. Two writers cannot fork a chain: the trigger
--    takes the tenant's head row FOR UPDATE, so writers of one tenant queue
--    there until the first commits (writers of different tenants do not).
--    `npm run varde -- audit verify` recomputes every link and names the first
--    broken one.
-- 2. Who, why and from where as columns (role, organisation, HPR, on whose
--    behalf, purpose of use, IP, client). A statement that does not give them
--    gets them from the transaction's app.audit_context (set by the access
--    layer's tenant wall beside app.tenant_id), so the entries that SQL
--    statements write themselves carry them too; the HPR number from the
--    user's row.
-- 3. Emergency access (break the glass), reviews of flagged entries, and
--    each tenant's retention.

ALTER TABLE audit_log
  ADD COLUMN seq bigint,
  ADD COLUMN prev_hash text,
  ADD COLUMN hash text,
  ADD COLUMN actor_role text,
  ADD COLUMN organisation text,
  ADD COLUMN hpr text,
  ADD COLUMN on_behalf_of text,
  ADD COLUMN purpose text,
  ADD COLUMN ip text,
  ADD COLUMN client text;

-- The canonical serialisation, version 1: a JSON array of the columns in a
-- fixed order, its time in UTC with microseconds (not the session's time
-- zone), details as jsonb prints it (keys sorted, one space after ':' and ',').
-- A column added later goes at the end under a new version, never into v1.
CREATE FUNCTION audit_canonical(a audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'v1' || jsonb_build_array(
    a.seq, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant_id, a.actor_user_id::text, a.actor,
    a.action, a.resource_type, a.resource_id, a.patient_id::text, a.outcome, a.details,
    a.actor_role, a.organisation, a.hpr, a.on_behalf_of, a.purpose, a.ip, a.client)::text
$$;

CREATE FUNCTION audit_link_hash(prev_hash text, canonical text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(prev_hash || '|' || canonical, 'UTF8')), 'hex')
$$;

CREATE TABLE audit_chain_heads (
  tenant_id text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL
);

-- The chain of the entries written before this migration, in id order per tenant.
DO $$
DECLARE
  r audit_log;
  head_seq bigint;
  head_hash text;
  last_tenant text := NULL;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY tenant_id, id LOOP
    IF last_tenant IS DISTINCT FROM r.tenant_id THEN
      IF last_tenant IS NOT NULL THEN
        INSERT INTO audit_chain_heads VALUES (last_tenant, head_seq, head_hash);
      END IF;
      last_tenant := r.tenant_id; head_seq := 0; head_hash := repeat('0', 64);
    END IF;
    head_seq := head_seq + 1;
    r.seq := head_seq; r.prev_hash := head_hash;
    head_hash := audit_link_hash(head_hash, audit_canonical(r));
    UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = head_hash WHERE id = r.id;
  END LOOP;
  IF last_tenant IS NOT NULL THEN
    INSERT INTO audit_chain_heads VALUES (last_tenant, head_seq, head_hash);
  END IF;
END $$;

ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_tenant_seq ON audit_log (tenant_id, seq);
CREATE INDEX audit_log_tenant_time ON audit_log (tenant_id, at DESC);
-- log control's per-user day counts (unusual volume, packages/db log-control.ts)
CREATE INDEX audit_log_tenant_actor_time ON audit_log (tenant_id, actor_user_id, at);

-- Runs as the owner (SECURITY DEFINER): the platform's role neither reads nor
-- writes the heads, so it cannot move one.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ctx jsonb := nullif(current_setting('app.audit_context', true), '')::jsonb;
  head audit_chain_heads;
BEGIN
  IF ctx IS NOT NULL THEN
    NEW.actor_role := coalesce(NEW.actor_role, ctx->>'role');
    NEW.organisation := coalesce(NEW.organisation, ctx->>'organisation');
    NEW.hpr := coalesce(NEW.hpr, ctx->>'hpr');
    NEW.on_behalf_of := coalesce(NEW.on_behalf_of, ctx->>'onBehalfOf');
    NEW.purpose := coalesce(NEW.purpose, ctx->>'purpose');
    NEW.ip := coalesce(NEW.ip, ctx->>'ip');
    NEW.client := coalesce(NEW.client, ctx->>'client');
  END IF;
  IF NEW.hpr IS NULL AND NEW.actor_user_id IS NOT NULL THEN
    SELECT u.hpr_number INTO NEW.hpr FROM users u WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.actor_user_id;
  END IF;
  SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = NEW.tenant_id FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_chain_heads VALUES (NEW.tenant_id, 0, repeat('0', 64)) ON CONFLICT (tenant_id) DO NOTHING;
    SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = NEW.tenant_id FOR UPDATE;
  END IF;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := audit_link_hash(head.hash, audit_canonical(NEW));
  UPDATE audit_chain_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Emergency access (nødrett, "break the glass"): a clinician or nurse without
-- a care relationship states a reason and reads the patient until expires_at
-- (4 h on the platform clock, varde_now()); the care relationship
-- (packages/db care-relationship.ts) counts it, and log control flags it.
CREATE TABLE emergency_access (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  patient_id uuid NOT NULL,
  user_id uuid NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
  started_at timestamptz NOT NULL DEFAULT varde_now(),
  expires_at timestamptz NOT NULL,
  -- the wall-clock start, to match the log's entries (audit_log.at is wall time) when the platform clock is moved
  opened_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX emergency_access_patient_user ON emergency_access (patient_id, user_id, expires_at DESC);

-- A privacy officer's review of a flagged entry (the review is itself logged in audit_log).
CREATE TABLE audit_reviews (
  tenant_id text NOT NULL,
  audit_id bigint NOT NULL REFERENCES audit_log (id),
  reviewed_by uuid NOT NULL,
  reviewed_at timestamptz NOT NULL DEFAULT varde_now(),
  note text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
  PRIMARY KEY (tenant_id, audit_id),
  FOREIGN KEY (tenant_id, reviewed_by) REFERENCES users (tenant_id, id)
);

-- How long a tenant keeps its access log (Patient Records Act: at least as the record; default 10 years).
ALTER TABLE tenants ADD COLUMN audit_retention_years integer NOT NULL DEFAULT 10 CHECK (audit_retention_years BETWEEN 1 AND 100);

-- The heads are the owner's (the chain trigger writes them as the owner).
-- Walled like every tenant table (migration 0012).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_chain_heads', 'emergency_access', 'audit_reviews'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$
      CREATE POLICY tenant_wall ON %I TO varde_platform
        USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
        WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))$p$, t);
  END LOOP;
END $$;
REVOKE ALL ON audit_chain_heads FROM varde_platform;
REVOKE UPDATE, DELETE ON audit_reviews FROM varde_platform;

-- Down Migration
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_refuse_change(), audit_log_chain();
ALTER TABLE tenants DROP COLUMN audit_retention_years;
DROP TABLE audit_reviews, emergency_access, audit_chain_heads;
DROP FUNCTION audit_link_hash(text, text), audit_canonical(audit_log);
DROP INDEX audit_log_tenant_seq, audit_log_tenant_time, audit_log_tenant_actor_time;
ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash, DROP COLUMN actor_role, DROP COLUMN organisation,
  DROP COLUMN hpr, DROP COLUMN on_behalf_of, DROP COLUMN purpose, DROP COLUMN ip, DROP COLUMN client;
