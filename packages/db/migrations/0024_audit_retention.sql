-- Up Migration
-- The access log's retention, enforced (issue 19; docs/decisions/0025-audit-retention-and-anchors.md).
--
-- Each tenant keeps its log for tenants.audit_retention_years (default 10,
-- migration 0020). The purge deletes the oldest entries of a tenant's chain,
-- and in the same transaction writes an anchor: the seq and hash of the last
-- entry it deleted. `audit verify` starts each chain from its newest anchor
-- (prev_hash = the anchor's hash, seq = the anchor's seq + 1), so the chain
-- after the cut still verifies and an entry altered after it is still named.
--
-- Only a prefix of the chain is ever deleted: the entries up to (not
-- including) the first entry, in seq order, that is younger than the
-- retention. An entry younger than the setting is never deleted, even when
-- entries were written out of time order.
--
-- The purge is the one narrow path through the append-only trigger:
-- audit_purge_expired() is SECURITY DEFINER (runs as the owner, who alone may
-- DELETE on a real server: varde_platform's DELETE was revoked in 0009), it
-- sets app.audit_purge for its own transaction, and the trigger lets a DELETE
-- through only while that is set AND only for an entry at or before its
-- tenant's newest anchor. Any other UPDATE/DELETE/TRUNCATE is refused as
-- before. The anchors are the owner's: the platform may read them, not write.

CREATE TABLE audit_anchors (
  tenant_id text NOT NULL,
  -- the last deleted entry: the chain after the cut starts at seq + 1 with prev_hash = hash
  seq bigint NOT NULL,
  hash text NOT NULL,
  entries bigint NOT NULL,
  cutoff timestamptz NOT NULL,
  purged_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq)
);
ALTER TABLE audit_anchors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON audit_anchors TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_anchors FROM varde_platform;

CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- the purge's path: only inside audit_purge_expired(), only entries its anchor covers
  IF TG_OP = 'DELETE' AND current_setting('app.audit_purge', true) = 'on'
     AND OLD.seq <= (SELECT max(seq) FROM audit_anchors WHERE tenant_id = OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END $$;

-- One call purges every tenant; returns what it deleted per tenant. The cut
-- is computed here from the tenant's setting and the database's wall clock
-- (audit_log.at is wall time), never from the caller, so the caller cannot
-- ask for a younger cut. The purge's own entry (action 'purge') is chained
-- after the cut and says where it cut.
CREATE FUNCTION audit_purge_expired() RETURNS TABLE (tenant_id text, through_seq bigint, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t record;
  cut timestamptz;
  last_seq bigint;
  anchor_seq bigint;
  last_hash text;
  n bigint;
BEGIN
  -- two processes purging at once: the second waits and finds nothing left to cut
  PERFORM pg_advisory_xact_lock(hashtext('varde.audit_purge'));
  FOR t IN SELECT id, audit_retention_years FROM tenants ORDER BY id LOOP
    cut := now() - make_interval(years => t.audit_retention_years);
    SELECT coalesce(max(a.seq), 0) INTO anchor_seq FROM audit_anchors a WHERE a.tenant_id = t.id;
    -- the first entry (after the last cut) that must stay; everything before it in the chain is older than the cut
    SELECT min(l.seq) INTO last_seq FROM audit_log l WHERE l.tenant_id = t.id AND l.at >= cut;
    IF last_seq IS NULL THEN
      SELECT max(l.seq) INTO last_seq FROM audit_log l WHERE l.tenant_id = t.id;
    ELSE
      last_seq := last_seq - 1;
    END IF;
    CONTINUE WHEN last_seq IS NULL OR last_seq <= anchor_seq;
    SELECT l.hash INTO last_hash FROM audit_log l WHERE l.tenant_id = t.id AND l.seq = last_seq;
    CONTINUE WHEN last_hash IS NULL;
    SELECT count(*) INTO n FROM audit_log l WHERE l.tenant_id = t.id AND l.seq <= last_seq;
    INSERT INTO audit_anchors (tenant_id, seq, hash, entries, cutoff) VALUES (t.id, last_seq, last_hash, n, cut);
    PERFORM set_config('app.audit_purge', 'on', true);
    DELETE FROM audit_reviews r USING audit_log l WHERE r.audit_id = l.id AND l.tenant_id = t.id AND l.seq <= last_seq;
    DELETE FROM audit_log l WHERE l.tenant_id = t.id AND l.seq <= last_seq;
    PERFORM set_config('app.audit_purge', '', true);
    INSERT INTO audit_log (tenant_id, actor, action, resource_type, outcome, purpose, details)
      VALUES (t.id, 'varde-retention', 'purge', 'AuditLog', 'allowed', 'admin',
              jsonb_build_object('throughSeq', last_seq, 'anchorHash', last_hash, 'entries', n,
                                 'cutoff', to_char(cut AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'retentionYears', t.audit_retention_years));
    tenant_id := t.id; through_seq := last_seq; deleted := n;
    RETURN NEXT;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION audit_purge_expired() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge_expired() TO varde_platform;

-- Down Migration
DROP FUNCTION audit_purge_expired();
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END $$;
DROP TABLE audit_anchors;
