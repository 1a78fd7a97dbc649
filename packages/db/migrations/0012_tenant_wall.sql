-- Up Migration
-- Row-level security as a second tenant wall (issue 16, docs/decisions/0012):
-- behind the access layer's own checks, the database itself keeps a request
-- to its actor's tenant. The access layer runs each of a request's statements
-- in a transaction that first sets `app.tenant_id` (set_config(…, true): it
-- ends with the transaction, so it never outlives it on a pooled connection
-- or on the embedded database's one session); with it set, a member of
-- varde_platform (the platform's login role, migration 0009) sees and writes
-- only that tenant's rows, whatever a query's WHERE forgot.
--
-- Work that is no one tenant's runs without the setting and is not walled:
-- logging in and finding a session (before the tenant is known), the broker's
-- gateway lookups, ingest storing the batches of many tenants in one
-- statement, the rules' and escalation's claims. A setting of '' (what a
-- session shows after a transaction that set it ended) counts as unset.
-- The owner (who migrates) and the embedded database's superuser bypass RLS.
--
-- Every table with a tenant_id column at this point gets the wall, so the
-- tables of migrations before this one do too; a later migration that adds a
-- tenant table gives it the same (packages/db/test/tenant-wall.test.ts fails
-- for a table without it).
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables tb USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$
      CREATE POLICY tenant_wall ON %I TO varde_platform
        USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
        WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))$p$, t);
  END LOOP;
END $$;

-- Down Migration
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_wall' LOOP
    EXECUTE format('DROP POLICY tenant_wall ON %I', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
