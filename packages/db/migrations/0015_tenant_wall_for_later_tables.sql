-- Up Migration
-- The tenant wall of migration 0012 (row-level security on app.tenant_id,
-- docs/decisions/0012) for the tenant tables that migrations 0013 (the care
-- team, objections, forwarding) and 0014 (the platform clock) added: each
-- table with a tenant_id and no wall yet gets the same policy.
-- packages/db/test/tenant-wall.test.ts fails for a tenant table without it.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables tb USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
       AND NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.table_name AND p.policyname = 'tenant_wall')
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$
      CREATE POLICY tenant_wall ON %I TO varde_platform
        USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
        WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))$p$, t);
  END LOOP;
END $$;

-- Down Migration
-- (the policies stay with their tables; 0012's down migration drops every tenant_wall)
