-- Up Migration
-- Node-RED's documents per tenant (issue 23, docs/decisions/0020): the flows,
-- their credentials (already encrypted by Node-RED with the key from
-- VARDE_FLOWS_CREDENTIAL_SECRET before they reach here), the runtime's
-- settings and the editor's library. One row per tenant and document; a
-- deploy replaces the row in one statement.
CREATE TABLE flow_documents (
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (name IN ('flows', 'credentials', 'settings', 'sessions')),
  body jsonb NOT NULL,
  -- who deployed it last (a username, never a secret), for the privacy officer's questions
  updated_by text CHECK (length(updated_by) <= 200),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, name)
);

-- the tenant wall of migration 0012 (docs/decisions/0012)
ALTER TABLE flow_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON flow_documents TO varde_platform
  USING (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id))
  WITH CHECK (coalesce(current_setting('app.tenant_id', true), '') IN ('', tenant_id));

-- Down Migration
DROP TABLE flow_documents;
